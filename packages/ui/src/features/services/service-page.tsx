export default function Page() {
  return <div data-testid="service-page">service-page</div>;
}
