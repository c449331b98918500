import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  describeSpans,
  fixture,
  useBackend,
  startServerFixture,
  uniqueService,
  waitForSpans,
  writeAgentConfig,
  type SpanRow,
} from '../support/agent-harness.ts';

// A CommonJS express app under `spyglass run`: HTTP server, http.request and fetch client
// spans, propagation to a downstream server, header redaction, payload capture and
// truncation, and code.* attributes, all read back from a real `spyglass up`.

const backend = useBackend();

const attr = (span: SpanRow | undefined, key: string) => span?.SpanAttributes[key];

test('express app: one trace across server, http.request/fetch clients and the downstream server; headers redacted; payloads captured and truncated', async () => {
  const service = uniqueService('agent-express');
  const config = writeAgentConfig({ capture: { payloads: { maxBytes: 64 } } });
  const app = await startServerFixture('http-express.cjs', { service, endpoint: backend().otlpUrl, config });

  const order = JSON.stringify({ sku: 'book-1' });
  const r1 = await fetch(`${app.url}/orders`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: 'Bearer top-secret',
      cookie: 'sid=very-secret',
      'x-request-id': 'req-123',
    },
    body: order,
  });
  assert.equal(r1.status, 201);
  const orderResponse = await r1.text();
  assert.deepEqual(JSON.parse(orderResponse), { id: 42, sku: 'book-1', reserved: true });

  const big = JSON.stringify({ text: 'x'.repeat(300) });
  const r2 = await fetch(`${app.url}/echo`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: big,
  });
  assert.equal(await r2.text(), big);

  await fetch(`${app.url}/shutdown`, { method: 'POST' }).then((r) => r.text());
  const result = await app.finished();
  assert.equal(result.code, 0, `the app exits normally\n${result.stderr}`);
  assert.equal(result.stderr, '', 'the agent prints nothing on stderr');

  const spans = await waitForSpans(backend(), service, (rows) => {
    const names = rows.map((r) => `${r.SpanKind} ${r.SpanName}`);
    return (
      names.includes('Server POST /orders') &&
      names.includes('Server POST /echo') &&
      rows.filter((r) => r.SpanKind === 'Client').length >= 2 &&
      rows.filter((r) => r.SpanKind === 'Server' && r.SpanAttributes['url.path'] === '/reserve').length >= 2
    );
  });
  const all = describeSpans(spans);

  const server = spans.find((s) => s.SpanKind === 'Server' && s.SpanName === 'POST /orders');
  assert.ok(server, all);
  assert.equal(server.ParentSpanId, '', 'the incoming request starts the trace');
  const trace = spans.filter((s) => s.TraceId === server.TraceId);
  const inTrace = describeSpans(trace);

  // The client spans: one from http.request (instrumentation-http), one from fetch (undici).
  const httpClient = trace.find(
    (s) => s.SpanKind === 'Client' && s.ScopeName === '@opentelemetry/instrumentation-http',
  );
  const fetchClient = trace.find(
    (s) => s.SpanKind === 'Client' && s.ScopeName === '@opentelemetry/instrumentation-undici',
  );
  assert.ok(httpClient, `http.request client span in the trace\n${inTrace}`);
  assert.ok(fetchClient, `fetch client span in the trace\n${inTrace}`);
  // Each client span is a descendant of the server span (its parent is a span of this trace).
  for (const client of [httpClient, fetchClient]) {
    assert.ok(
      trace.some((s) => s.SpanId === client.ParentSpanId),
      `client span ${client.SpanId} has its parent in the trace\n${inTrace}`,
    );
  }

  // The downstream server spans are children of the client spans (context crossed the wire).
  const downstream = trace.filter((s) => s.SpanKind === 'Server' && attr(s, 'url.path') === '/reserve');
  assert.equal(downstream.length, 2, inTrace);
  const viaHttp = downstream.find((s) => attr(s, 'http.request.header.x-via') === 'http.request');
  const viaFetch = downstream.find((s) => attr(s, 'http.request.header.x-via') === 'fetch');
  assert.equal(viaHttp?.ParentSpanId, httpClient.SpanId, inTrace);
  assert.equal(viaFetch?.ParentSpanId, fetchClient.SpanId, inTrace);

  // No express layer spans by default (capture.expressLayerSpans): the server span carries the route.
  assert.ok(
    !trace.some((s) => s.ScopeName === '@opentelemetry/instrumentation-express'),
    `no express layer spans by default\n${inTrace}`,
  );
  assert.equal(attr(server, 'http.route'), '/orders');
  assert.equal(attr(server, 'http.response.status_code'), '201');

  // Headers: captured, with secrets redacted (request and response, server and client).
  assert.equal(attr(server, 'http.request.header.authorization'), '[REDACTED]');
  assert.equal(attr(server, 'http.request.header.cookie'), '[REDACTED]');
  assert.equal(attr(server, 'http.request.header.x-request-id'), 'req-123');
  assert.equal(attr(server, 'http.request.header.content-type'), 'application/json');
  assert.equal(attr(server, 'http.response.header.set-cookie'), '[REDACTED]');
  assert.match(attr(server, 'http.response.header.content-type') ?? '', /^application\/json/);
  assert.equal(attr(httpClient, 'http.request.header.authorization'), '[REDACTED]');
  assert.equal(attr(httpClient, 'http.response.header.set-cookie'), '[REDACTED]');
  assert.equal(attr(fetchClient, 'http.request.header.cookie'), '[REDACTED]');
  assert.equal(attr(fetchClient, 'http.request.header.x-via'), 'fetch');
  assert.equal(attr(fetchClient, 'http.response.header.set-cookie'), '[REDACTED]');
  for (const s of spans)
    for (const [k, v] of Object.entries(s.SpanAttributes))
      assert.doesNotMatch(
        v,
        /top-secret|very-secret|downstream-token|s3cr3t|secret-order-cookie|fetch-session=abc/,
        `no secret leaks in ${s.SpanName} ${k}`,
      );

  // JSON payloads, both directions, on the server span and the http.request client span.
  assert.equal(attr(server, 'http.request.payload'), order);
  assert.equal(attr(server, 'http.request.payload.size'), String(Buffer.byteLength(order)));
  assert.equal(attr(server, 'http.response.payload'), orderResponse);
  assert.equal(attr(server, 'http.response.payload.size'), String(Buffer.byteLength(orderResponse)));
  assert.equal(attr(server, 'http.request.payload.truncated'), undefined);
  assert.equal(attr(httpClient, 'http.request.payload'), '{"sku":"book-1"}');
  assert.equal(attr(httpClient, 'http.response.payload'), '{"reserved":true,"via":"http.request"}');
  assert.equal(attr(viaFetch, 'http.request.payload'), '{"step":"fetch"}');
  assert.equal(attr(fetchClient, 'http.request.payload'), '{"step":"fetch"}');
  assert.equal(attr(fetchClient, 'http.response.payload'), '{"reserved":true,"via":"fetch"}');

  // A body larger than capture.payloads.maxBytes (64): cut, flagged, real size reported.
  const echo = spans.find((s) => s.SpanKind === 'Server' && s.SpanName === 'POST /echo');
  assert.ok(echo, all);
  assert.equal(attr(echo, 'http.request.payload'), big.slice(0, 64));
  assert.equal(attr(echo, 'http.request.payload.truncated'), 'true');
  assert.equal(attr(echo, 'http.request.payload.size'), String(big.length));
  assert.equal(attr(echo, 'http.response.payload'), big.slice(0, 64));
  assert.equal(attr(echo, 'http.response.payload.truncated'), 'true');
  assert.equal(attr(echo, 'http.response.payload.size'), String(big.length));

  // Code context: the client spans point at the line of the fixture that made the call.
  const file = fixture('http-express.cjs');
  const lineOf = (text: string) =>
    String(
      readFileSync(file, 'utf8')
        .split('\n')
        .findIndex((l) => l.includes(text)) + 1,
    );
  assert.equal(attr(httpClient, 'code.file.path'), file);
  assert.equal(attr(httpClient, 'code.line.number'), lineOf('http.request('), inTrace);
  assert.ok(Number(attr(httpClient, 'code.column.number')) > 0, inTrace);
  assert.equal(attr(fetchClient, 'code.file.path'), file);
  assert.equal(attr(fetchClient, 'code.function.name'), 'callWithFetch');
  assert.equal(attr(fetchClient, 'code.line.number'), lineOf('await fetch('), inTrace);
  // Server spans start inside node:http, where no application frame exists: no code.* on them.
  assert.equal(attr(server, 'code.file.path'), undefined);
});

test('interleaved requests: requests whose bodies end after later requests were answered keep their own payloads and spans', async () => {
  // The agent finds a message's exchange among the latest requests' (recent-exchanges.ts): here 20
  // requests' bodies are still arriving while another arrives and is answered, so their last
  // chunks, responses and 'close' events come when they are no longer the latest; the first ones
  // have left the agent's ring of 16 unsettled by then, and are found by the mark they got.
  const service = uniqueService('agent-interleaved');
  const app = await startServerFixture('http-express.cjs', { service, endpoint: backend().otlpUrl });
  const encoder = new TextEncoder();
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const slowIds = Array.from({ length: 20 }, (_, i) => `A${i}`);
  const slow = slowIds.map((id) => {
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(encoder.encode(`{"request":"${id}",`));
        await released;
        controller.enqueue(encoder.encode('"part":"two"}'));
        controller.close();
      },
    });
    return fetch(`${app.url}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': id },
      body,
      duplex: 'half',
    } as RequestInit & { duplex: 'half' });
  });
  // The slow requests' headers and first chunks reach the server well within this on loopback.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const fast = await fetch(`${app.url}/echo`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': 'B' },
    body: '{"request":"B"}',
  });
  assert.equal(await fast.text(), '{"request":"B"}');
  release();
  for (const [i, response] of slow.entries())
    assert.equal(await (await response).text(), `{"request":"${slowIds[i]}","part":"two"}`);

  await fetch(`${app.url}/shutdown`, { method: 'POST' }).then((r) => r.text());
  const result = await app.finished();
  assert.equal(result.code, 0, `the app exits normally\n${result.stderr}`);
  const spans = await waitForSpans(
    backend(),
    service,
    (rows) => rows.filter((r) => r.SpanKind === 'Server' && r.SpanName === 'POST /echo').length >= 21,
  );
  const all = describeSpans(spans);
  const echo = (id: string) =>
    spans.find((s) => s.SpanName === 'POST /echo' && attr(s, 'http.request.header.x-request-id') === id);
  const b = echo('B');
  assert.ok(b, all);
  assert.equal(attr(b, 'http.request.payload'), '{"request":"B"}', all);
  assert.equal(attr(b, 'http.response.payload'), '{"request":"B"}', all);
  assert.equal(attr(b, 'http.response.status_code'), '200');
  const traces = new Set([b.TraceId]);
  for (const id of slowIds) {
    const a = echo(id);
    assert.ok(a, `${id}\n${all}`);
    const body = `{"request":"${id}","part":"two"}`;
    assert.equal(attr(a, 'http.request.payload'), body, `${id}\n${all}`);
    assert.equal(attr(a, 'http.response.payload'), body, `${id}\n${all}`);
    assert.equal(attr(a, 'http.response.status_code'), '200', id);
    traces.add(a.TraceId);
  }
  assert.equal(traces.size, 21, 'one trace per request');
});

test("a request's and response's events run their listeners in its trace, with exactly the arguments emitted", async () => {
  // The agent's emit wrapper hands 0-2 arguments after the event on one by one and more through
  // the general path (http-server-instrumentation.ts); the fixture emits from a timer made at
  // startup, outside any request's context, so only the agent can put the listeners in the trace.
  const service = uniqueService('agent-events');
  const app = await startServerFixture('http-express.cjs', { service, endpoint: backend().otlpUrl });
  const results = [];
  for (const listen of ['finish', 'end']) {
    const response = await fetch(`${app.url}/events?listen=${listen}`);
    const { handlerTrace, seen } = (await response.json()) as { handlerTrace: string; seen: unknown[] };
    // The application's own 'finish' or 'end' listener, beside node:http's (which the agent runs
    // without a context switch), runs in the request's trace too, though sent from outside it.
    let after: Record<string, string> = {};
    for (let i = 0; i < 50 && after[listen] === undefined; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      after = (await (await fetch(`${app.url}/events-after`)).json()) as typeof after;
    }
    results.push({ listen, handlerTrace, seen, after });
  }
  await fetch(`${app.url}/shutdown`, { method: 'POST' }).then((r) => r.text());
  const result = await app.finished();
  assert.equal(result.code, 0, `the app exits normally\n${result.stderr}`);
  for (const { listen, handlerTrace, seen, after } of results) {
    assert.match(handlerTrace, /^[0-9a-f]{32}$/);
    const event = (name: string, args: unknown[]) => ({ name, args, sameThis: true, trace: handlerTrace });
    assert.deepEqual(seen, [
      event('none', []),
      event('one', [1]),
      event('two', [1, 'b']),
      event('three', [1, 'b', null]),
      event('four', [1, 'b', null, 4]),
    ]);
    assert.deepEqual(after, { [listen]: handlerTrace }, listen);
  }
  assert.notEqual(results[0]!.handlerTrace, results[1]!.handlerTrace, 'one trace per request');
});
