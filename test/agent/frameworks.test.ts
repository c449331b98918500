import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  describeSpans,
  runFixture,
  useBackend,
  uniqueService,
  waitForSpans,
} from '../support/agent-harness.ts';

// Web frameworks beyond express: koa (middleware spans) and fastify (@fastify/otel, registered
// without any code in the application), each under the HTTP server span of its request.

const backend = useBackend();

test('koa and fastify requests get their framework spans under the server span, with the route', async () => {
  const service = uniqueService('agent-frameworks');
  const result = await runFixture('frameworks-app.cjs', { service, endpoint: backend().otlpUrl });
  const [koaLine, fastifyLine] = result.stdout.trim().split('\n');
  assert.deepEqual(
    JSON.parse(koaLine!),
    { framework: 'koa', path: '/things' },
    'the apps work as without the agent',
  );
  assert.deepEqual(JSON.parse(fastifyLine!), { framework: 'fastify', id: '42', got: { qty: 3 } });

  const spans = await waitForSpans(
    backend(),
    service,
    (rows) =>
      rows.some((s) => s.ScopeName === '@opentelemetry/instrumentation-koa') &&
      rows.some((s) => s.ScopeName === '@fastify/otel'),
  );
  const all = describeSpans(spans);
  const servers = spans.filter((s) => s.SpanKind === 'Server');
  const koaServer = servers.find((s) => s.SpanAttributes['url.path'] === '/things');
  const fastifyServer = servers.find((s) => s.SpanAttributes['url.path'] === '/items/42');
  assert.ok(koaServer && fastifyServer, all);

  const koaSpans = spans.filter((s) => s.ScopeName === '@opentelemetry/instrumentation-koa');
  assert.ok(koaSpans.length >= 2, `a span per koa middleware\n${all}`);
  for (const s of koaSpans) assert.equal(s.TraceId, koaServer.TraceId, all);
  assert.ok(
    koaSpans.some((s) => s.ParentSpanId === koaServer.SpanId),
    `koa spans under the server span\n${all}`,
  );

  const fastifySpans = spans.filter((s) => s.ScopeName === '@fastify/otel');
  for (const s of fastifySpans) assert.equal(s.TraceId, fastifyServer.TraceId, all);
  assert.ok(
    fastifySpans.some((s) => Object.values(s.SpanAttributes).includes('/items/:id')),
    `the fastify route template is recorded\n${all}`,
  );
  // Deep context on the framework's server span too: the JSON body.
  assert.equal(fastifyServer.SpanAttributes['http.request.payload'], JSON.stringify({ qty: 3 }), all);
});
