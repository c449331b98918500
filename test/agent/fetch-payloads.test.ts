import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  describeSpans,
  runFixture,
  uniqueService,
  useBackend,
  waitForSpans,
  writeAgentConfig,
  type SpanRow,
} from '../support/agent-harness.ts';

// fetch (undici) client spans carry the request and response bodies like node:http ones: a
// CommonJS app under the agent makes fetch calls to a server of its own, and the test reads the
// client spans back from a real `spyglass up`.

const backend = useBackend();

const MAX_BYTES = 300;

test('fetch client spans carry request and response payloads: JSON, truncated, gzip, streamed, not captured, ReadableStream body', async () => {
  const service = uniqueService('agent-fetch-payloads');
  const config = writeAgentConfig({ capture: { payloads: { maxBytes: MAX_BYTES } } });
  const result = await runFixture('fetch-payloads.cjs', { service, endpoint: backend().otlpUrl, config });
  assert.equal(result.stderr, '', 'the application checked what it read, and the agent printed nothing');
  const line = result.stdout.split('\n').find((l) => l.startsWith('{'));
  assert.ok(line, `the fixture printed what it read\n${result.stdout}`);
  const read = JSON.parse(line) as Record<string, string | number>;

  const paths = ['/orders', '/catalog', '/catalog.gz', '/events', '/logo.png', '/upload'];
  const isFetch = (s: SpanRow) =>
    s.SpanKind === 'Client' && s.ScopeName === '@opentelemetry/instrumentation-undici';
  const spans = await waitForSpans(backend(), service, (rows) =>
    paths.every((p) => rows.some((r) => isFetch(r) && r.SpanAttributes['url.path'] === p)),
  );
  const all = describeSpans(spans);
  const client = (path: string) => {
    const span = spans.find((s) => isFetch(s) && s.SpanAttributes['url.path'] === path);
    assert.ok(span, `fetch client span for ${path}\n${all}`);
    return span.SpanAttributes;
  };
  const payloadKeys = (a: Record<string, string>, direction: 'request' | 'response') =>
    Object.fromEntries(Object.entries(a).filter(([k]) => k.startsWith(`http.${direction}.payload`)));

  // JSON request and response, whole, with their sizes (not truncated).
  const order = JSON.stringify({ sku: 'book-1', quantity: 2 });
  assert.deepEqual(payloadKeys(client('/orders'), 'request'), {
    'http.request.payload': order,
    'http.request.payload.size': String(order.length),
  });
  assert.deepEqual(payloadKeys(client('/orders'), 'response'), {
    'http.response.payload': read['orders'],
    'http.response.payload.size': String(String(read['orders']).length),
  });
  assert.equal(
    client('/orders')['http.request.header.content-type'],
    'application/json',
    'headers still captured',
  );

  // Larger than maxBytes: cut, flagged, real size.
  const catalog = String(read['catalog']);
  assert.ok(catalog.length > MAX_BYTES);
  assert.deepEqual(payloadKeys(client('/catalog'), 'response'), {
    'http.response.payload': catalog.slice(0, MAX_BYTES),
    'http.response.payload.size': String(catalog.length),
    'http.response.payload.truncated': 'true',
  });

  // gzip: decoded like the application reads it; .size counts the compressed bytes received.
  const gz = client('/catalog.gz');
  assert.equal(gz['http.response.payload'], catalog.slice(0, MAX_BYTES));
  assert.equal(gz['http.response.payload.truncated'], 'true');
  assert.equal(gz['http.response.payload.size'], gz['http.response.header.content-length']);
  assert.ok(Number(gz['http.response.payload.size']) < catalog.length, 'the compressed size');

  // Streamed in several writes, read chunk by chunk: the whole body.
  assert.ok(Number(read['eventReads']) > 1, `the application read the stream in ${read['eventReads']} reads`);
  assert.deepEqual(payloadKeys(client('/events'), 'response'), {
    'http.response.payload': read['events'],
    'http.response.payload.size': String(String(read['events']).length),
  });

  // image/png is not in capture.payloads.contentTypes: no payload, headers only.
  assert.deepEqual(payloadKeys(client('/logo.png'), 'response'), {});
  assert.equal(client('/logo.png')['http.response.header.content-type'], 'image/png');

  // A ReadableStream request body: observed as undici sent it, whole.
  const upload = '{"lines":["one","two"]}';
  assert.deepEqual(payloadKeys(client('/upload'), 'request'), {
    'http.request.payload': upload,
    'http.request.payload.size': String(upload.length),
  });
  assert.equal(client('/upload')['http.response.payload'], read['upload']);
});
