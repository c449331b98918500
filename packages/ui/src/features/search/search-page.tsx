export default function Page() {
  return <div data-testid="search-page">search-page</div>;
}
