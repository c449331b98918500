export default function Page() {
  return <div data-testid="service-map-page">service-map-page</div>;
}
