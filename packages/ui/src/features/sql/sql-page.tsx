export default function Page() {
  return <div data-testid="sql-page">sql-page</div>;
}
