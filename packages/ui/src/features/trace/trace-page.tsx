export default function Page() {
  return <div data-testid="trace-page">trace-page</div>;
}
