import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  describeSpans,
  useBackend,
  startServerFixture,
  uniqueService,
  waitForSpans,
  writeAgentConfig,
} from '../support/agent-harness.ts';

// http.route of express apps, read from the request when the response finishes (no per-layer
// instrumentation): routes on the app, in nested routers, with several paths, async handlers,
// failures, and requests no route answered. Then the same app with capture.expressLayerSpans,
// where the upstream express instrumentation names the route and adds a span per layer.

const backend = useBackend();

const REQUESTS: Array<[path: string, status: number, route: string | undefined]> = [
  ['/users/7', 200, '/users/:id'],
  ['/b', 200, '/a,/b'],
  ['/api/v1/orders/99', 200, '/api/v1/orders/:orderId'],
  ['/api/health', 200, '/api/health'],
  ['/fails', 500, '/fails'],
  ['/from-middleware', 200, undefined],
  ['/nowhere', 404, undefined],
];

async function exercise(service: string, config?: string) {
  const app = await startServerFixture('express-routes.cjs', {
    service,
    endpoint: backend().otlpUrl,
    ...(config ? { config } : {}),
  });
  for (const [path, status] of REQUESTS) {
    const r = await fetch(`${app.url}${path}`);
    await r.text();
    assert.equal(r.status, status, path);
  }
  await fetch(`${app.url}/shutdown`, { method: 'POST' }).then((r) => r.text());
  const result = await app.finished();
  assert.equal(result.code, 0, result.stderr);
  return waitForSpans(
    backend(),
    service,
    (rows) => rows.filter((r) => r.SpanKind === 'Server').length >= REQUESTS.length + 1,
  );
}

test('express routes: the matched pattern with its mount path, none when no route answered', async () => {
  const service = uniqueService('agent-express-routes');
  const spans = await exercise(service);
  const servers = spans.filter((s) => s.SpanKind === 'Server');
  for (const [path, status, route] of REQUESTS) {
    const span = servers.find((s) => s.SpanAttributes['url.path'] === path);
    assert.ok(span, `server span of ${path}\n${describeSpans(spans)}`);
    assert.equal(span.SpanAttributes['http.route'], route, `http.route of ${path}`);
    assert.equal(span.SpanName, route ? `GET ${route}` : 'GET', `name of ${path}`);
    assert.equal(span.SpanAttributes['http.response.status_code'], String(status));
    assert.equal(span.StatusCode, status >= 500 ? 'Error' : 'Unset', `status of ${path}`);
  }
  assert.equal(
    spans.filter((s) => s.ScopeName.includes('express')).length,
    0,
    'no express layer spans by default',
  );
});

test('express routes with capture.expressLayerSpans: the same routes, and a span per middleware and handler', async () => {
  const service = uniqueService('agent-express-layers');
  const spans = await exercise(service, writeAgentConfig({ capture: { expressLayerSpans: true } }));
  const servers = spans.filter((s) => s.SpanKind === 'Server');
  const orders = servers.find((s) => s.SpanAttributes['url.path'] === '/api/v1/orders/99');
  assert.equal(orders?.SpanAttributes['http.route'], '/api/v1/orders/:orderId', describeSpans(spans));
  const layers = spans.filter((s) => s.ScopeName.includes('express') && s.TraceId === orders?.TraceId);
  assert.ok(
    layers.some(
      (s) =>
        s.SpanAttributes['express.type'] === 'request_handler' &&
        s.SpanAttributes['http.route'] === '/api/v1/orders/:orderId',
    ),
    `a request handler span for the route\n${describeSpans(spans)}`,
  );
  assert.ok(
    layers.some((s) => s.SpanAttributes['express.type'] === 'middleware'),
    'and one for the middleware',
  );
});
