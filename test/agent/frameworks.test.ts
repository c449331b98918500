import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  describeSpans,
  runFixture,
  spanOutcomes,
  useBackend,
  uniqueService,
  waitForSpans,
  writeAgentConfig,
  type SpanOutcome,
  type SpanRow,
} from '../support/agent-harness.ts';

// Web frameworks beyond express: koa (middleware spans) and fastify (@fastify/otel, registered
// without any code in the application), each under the HTTP server span of its request; NestJS
// (11, on express) with the route on the server span and the nestjs-core instrumentation's spans.

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

// --- NestJS ----------------------------------------------------------------------------------

const NEST_SCOPE = '@opentelemetry/instrumentation-nestjs-core';

interface NestRun {
  spans: SpanRow[];
  outcomes: Map<string, SpanOutcome>;
}

/** Runs nest-app.cjs once per configuration (shared by the tests that read it). */
const nestRuns = new Map<string, Promise<NestRun>>();
function nestRun(mode: 'default' | 'nestjs-off'): Promise<NestRun> {
  let run = nestRuns.get(mode);
  if (!run) {
    run = (async () => {
      const service = uniqueService(`agent-nest-${mode}`);
      const config =
        mode === 'nestjs-off' ? writeAgentConfig({ instrumentations: { nestjs: false } }) : undefined;
      const result = await runFixture('nest-app.cjs', {
        service,
        endpoint: backend().otlpUrl,
        ...(config ? { config } : {}),
      });
      assert.deepEqual(
        result.stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as unknown),
        [
          { status: 200, body: { id: '42', stock: { path: '/stock/42', available: 3 } } },
          {
            status: 500,
            body: { statusCode: 500, message: 'refund of order 42 failed: payment backend down' },
          },
        ],
        'the app works as without the agent',
      );
      const spans = await waitForSpans(backend(), service, (rows) => {
        const servers = rows.filter((s) => s.SpanKind === 'Server');
        return (
          servers.length >= 3 &&
          (mode === 'nestjs-off' || rows.filter((s) => s.ScopeName === NEST_SCOPE).length >= 5)
        );
      });
      return { spans, outcomes: await spanOutcomes(backend(), service) };
    })();
    nestRuns.set(mode, run);
  }
  return run;
}

function serverSpan(spans: SpanRow[], path: string): SpanRow {
  const found = spans.filter((s) => s.SpanKind === 'Server' && s.SpanAttributes['url.path'] === path);
  assert.equal(found.length, 1, `one server span for ${path}\n${describeSpans(spans)}`);
  return found[0]!;
}

/** True when `ancestor` is on the parent chain of `span`. */
function descendsFrom(spans: SpanRow[], span: SpanRow, ancestor: SpanRow): boolean {
  const byId = new Map(spans.map((s) => [s.SpanId, s]));
  for (let s = byId.get(span.ParentSpanId); s; s = byId.get(s.ParentSpanId))
    if (s.SpanId === ancestor.SpanId) return true;
  return false;
}

for (const mode of ['default', 'nestjs-off'] as const) {
  test(`NestJS${mode === 'default' ? '' : ' (instrumentations.nestjs false)'}: the server span carries the Nest route and its name, and the trace goes on through the handler's outgoing call`, async () => {
    const { spans } = await nestRun(mode);
    const all = describeSpans(spans);
    const order = serverSpan(spans, '/orders/42');
    assert.equal(order.ScopeName, 'spyglass-http-server');
    assert.equal(order.SpanAttributes['http.route'], '/orders/:id', all);
    assert.equal(order.SpanName, 'GET /orders/:id', all);
    assert.equal(order.SpanAttributes['http.response.status_code'], '200', all);
    assert.equal(order.StatusCode, 'Unset', all);

    // The handler's http.get to the stock service: a client span under the server span, and
    // the stock service's own server span under that client span, all in one trace.
    const call = spans.find(
      (s) => s.SpanKind === 'Client' && s.SpanAttributes['url.full']?.endsWith('/stock/42'),
    );
    assert.ok(call, `the handler's outgoing call has a span\n${all}`);
    assert.equal(call.TraceId, order.TraceId, all);
    assert.ok(descendsFrom(spans, call, order), `the outgoing call is under the server span\n${all}`);
    const stock = serverSpan(spans, '/stock/42');
    assert.equal(stock.TraceId, order.TraceId, all);
    assert.equal(stock.ParentSpanId, call.SpanId, `context crossed the call\n${all}`);

    const refund = serverSpan(spans, '/orders/42/refund');
    assert.equal(refund.SpanAttributes['http.route'], '/orders/:id/refund', all);
    assert.equal(refund.SpanName, 'POST /orders/:id/refund', all);
    assert.equal(refund.SpanAttributes['http.response.status_code'], '500', all);
    assert.equal(refund.StatusCode, 'Error', `an HttpException(500) makes the request an error\n${all}`);

    const nest = spans.filter((s) => s.ScopeName === NEST_SCOPE);
    if (mode === 'nestjs-off') assert.deepEqual(nest, [], `no nestjs-core spans when it is off\n${all}`);
    else
      assert.ok(
        descendsFrom(
          spans,
          call,
          nest.find((s) => s.SpanName === 'getOrder')!,
        ),
        all,
      );
  });
}

test('NestJS: nestjs-core spans for the app creation, the request context and the handler, with the exception of a failed handler', async () => {
  const { spans, outcomes } = await nestRun('default');
  const all = describeSpans(spans);
  const nest = spans.filter((s) => s.ScopeName === NEST_SCOPE);
  for (const s of nest) assert.equal(s.SpanKind, 'Internal', all);

  const create = nest.find((s) => s.SpanName === 'Create Nest App');
  assert.ok(create, all);
  assert.equal(create.SpanAttributes['nestjs.type'], 'app_creation');
  assert.equal(create.SpanAttributes['nestjs.module'], 'AppModule');
  assert.match(create.SpanAttributes['nestjs.version'] ?? '', /^11\./);

  for (const [path, route, callback] of [
    ['/orders/42', '/orders/:id', 'getOrder'],
    ['/orders/42/refund', '/orders/:id/refund', 'refund'],
  ] as const) {
    const server = serverSpan(spans, path);
    const context = nest.find((s) => s.SpanName === `OrdersController.${callback}`);
    assert.ok(context, all);
    assert.equal(context.ParentSpanId, server.SpanId, `request context under the server span\n${all}`);
    assert.equal(context.SpanAttributes['nestjs.type'], 'request_context');
    assert.equal(context.SpanAttributes['nestjs.controller'], 'OrdersController');
    assert.equal(context.SpanAttributes['nestjs.callback'], callback);
    assert.equal(context.SpanAttributes['http.route'], route);
    assert.equal(context.SpanAttributes['url.full'], path);
    const handler = nest.find((s) => s.SpanName === callback);
    assert.ok(handler, all);
    assert.equal(handler.ParentSpanId, context.SpanId, `handler under the request context\n${all}`);
    assert.equal(handler.SpanAttributes['nestjs.type'], 'handler');
  }

  // The thrown HttpException: both nest spans of the request end in error with an exception event.
  const message = 'refund of order 42 failed: payment backend down';
  for (const name of ['OrdersController.refund', 'refund']) {
    const span = nest.find((s) => s.SpanName === name)!;
    assert.equal(span.StatusCode, 'Error', all);
    const outcome = outcomes.get(span.SpanId);
    assert.equal(outcome?.StatusMessage, message);
    assert.deepEqual(outcome?.EventNames, ['exception'], `${name}: ${JSON.stringify(outcome)}`);
    assert.equal(outcome?.EventAttributes[0]?.['exception.type'], 'HttpException');
    assert.equal(outcome?.EventAttributes[0]?.['exception.message'], message);
    assert.match(outcome?.EventAttributes[0]?.['exception.stacktrace'] ?? '', /at OrdersController\.refund/);
  }
  for (const name of ['OrdersController.getOrder', 'getOrder'])
    assert.equal(nest.find((s) => s.SpanName === name)?.StatusCode, 'Unset', all);
});
