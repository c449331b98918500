export default function Page() {
  return <div data-testid="services-page">services-page</div>;
}
