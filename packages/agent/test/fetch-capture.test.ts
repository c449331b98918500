import assert from 'node:assert/strict';
import dc from 'node:diagnostics_channel';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { TraceFlags, trace, type Span } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { parseAgentConfig, type AgentConfigInput } from '../src/config/agent-config.ts';
import { ConfigStore } from '../src/config/config-store.ts';
import { createFetchHooks, decodePrefix } from '../src/capture/fetch-capture.ts';

/**
 * fetch payload capture, in process: the real undici instrumentation with the
 * agent's hooks, real fetch calls (the undici bundled with this Node.js)
 * against a local server, spans read from an in-memory exporter. The channel
 * path of undici 7.11+ (Node.js 24.4+) is exercised with request objects that
 * publish like it does.
 */

const store = new ConfigStore(parseAgentConfig({}), 'fetch-capture-test');
const configure = (input: AgentConfigInput) => store.replace(input);
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracer = provider.getTracer('fetch-capture-test');
// (enabled in `before`: the instrumentation creates spans only while its config says enabled)
const instrumentation = new UndiciInstrumentation({ enabled: false, ...createFetchHooks(store) });
instrumentation.setTracerProvider(provider);

const JSON_RESPONSE = JSON.stringify({ id: 7, status: 'accepted', tags: ['a', 'b'] });
const BIG = JSON.stringify({ items: Array.from({ length: 400 }, (_, i) => ({ id: i, name: `item ${i}` })) });
const STREAM_CHUNKS = ['line 0: alpha\n', 'line 1: beta\n', 'line 2: gamma\n', 'line 3: delta\n'];
const PNG = Buffer.from([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52,
]);

let server: Server;
let base = '';
/** What the server received, by path (to compare with the captured request payload). */
const received = new Map<string, string>();

const readAll = async (req: IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
};

before(async () => {
  server = createServer((req, res) => {
    void readAll(req).then(async (body) => {
      const path = req.url ?? '/';
      received.set(path, body.toString('utf8'));
      if (path === '/json') {
        res.setHeader('content-type', 'application/json; charset=utf-8');
        res.end(JSON_RESPONSE);
      } else if (path === '/big') {
        res.setHeader('content-type', 'application/json');
        res.end(BIG);
      } else if (path === '/stream') {
        res.setHeader('content-type', 'text/plain');
        for (const chunk of STREAM_CHUNKS) {
          res.write(chunk);
          await new Promise((r) => setTimeout(r, 15));
        }
        res.end();
      } else if (path === '/png') {
        res.setHeader('content-type', 'image/png');
        res.end(PNG);
      } else if (path === '/upload') {
        res.setHeader('content-type', 'text/plain');
        res.end(`got ${body.length} bytes`);
      } else if (path.startsWith('/encoded/')) {
        const encoding = path.slice('/encoded/'.length);
        const compress = { gzip: gzipSync, deflate: deflateSync, br: brotliCompressSync }[encoding];
        res.setHeader('content-type', 'application/json');
        res.setHeader('content-encoding', encoding);
        res.end(compress ? compress(Buffer.from(BIG)) : BIG);
      } else {
        res.statusCode = 404;
        res.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  instrumentation.setConfig({ ...instrumentation.getConfig(), enabled: true });
  instrumentation.enable();
});

after(async () => {
  instrumentation.disable();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

/** The finished client span of a path (the instrumentation ends it at the response's end). */
async function spanOf(path: string): Promise<ReadableSpan> {
  for (let i = 0; i < 100; i++) {
    const span = exporter.getFinishedSpans().find((s) => s.attributes['url.path'] === path);
    if (span) return span;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(
    `no span for ${path}: ${exporter
      .getFinishedSpans()
      .map((s) => s.attributes['url.path'])
      .join(', ')}`,
  );
}

const attrs = (span: ReadableSpan, prefix: string) =>
  Object.fromEntries(Object.entries(span.attributes).filter(([k]) => k.startsWith(prefix)));

test('fetch: a JSON request body and a JSON response body, with their sizes', async () => {
  configure({});
  exporter.reset();
  const body = JSON.stringify({ sku: 'book-1', quantity: 2 });
  const res = await fetch(`${base}/json`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer secret' },
    body,
  });
  const text = await res.text();
  assert.equal(text, JSON_RESPONSE, 'the application reads the body unchanged');
  const span = await spanOf('/json');
  assert.deepEqual(attrs(span, 'http.request.payload'), {
    'http.request.payload': body,
    'http.request.payload.size': Buffer.byteLength(body),
  });
  assert.deepEqual(attrs(span, 'http.response.payload'), {
    'http.response.payload': JSON_RESPONSE,
    'http.response.payload.size': Buffer.byteLength(JSON_RESPONSE),
  });
  // Headers are still captured (and redacted) by the same hooks.
  assert.equal(span.attributes['http.request.header.authorization'], '[REDACTED]');
  assert.equal(span.attributes['http.response.header.content-type'], 'application/json; charset=utf-8');
});

test('fetch: a response larger than maxBytes is cut and marked truncated, with its full size', async () => {
  configure({ capture: { payloads: { maxBytes: 100 } } });
  exporter.reset();
  const res = await fetch(`${base}/big`);
  assert.equal(await res.text(), BIG);
  const span = await spanOf('/big');
  assert.deepEqual(attrs(span, 'http.response.payload'), {
    'http.response.payload': BIG.slice(0, 100),
    'http.response.payload.size': BIG.length,
    'http.response.payload.truncated': true,
  });
});

test('fetch: a response streamed in chunks and read chunk by chunk is captured whole', async () => {
  configure({});
  exporter.reset();
  const res = await fetch(`${base}/stream`);
  const reader = res.body!.getReader();
  const got: string[] = [];
  const decoder = new TextDecoder();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    got.push(decoder.decode(value, { stream: true }));
  }
  assert.equal(got.join(''), STREAM_CHUNKS.join(''), 'the application reads every chunk');
  assert.ok(got.length > 1, `the body arrived in several reads (${got.length})`);
  const span = await spanOf('/stream');
  assert.equal(span.attributes['http.response.payload'], STREAM_CHUNKS.join(''));
  assert.equal(span.attributes['http.response.payload.truncated'], undefined);
});

test('fetch: a body of a content type not captured (image/png) has no payload; headers are kept', async () => {
  configure({});
  exporter.reset();
  const res = await fetch(`${base}/png`);
  assert.deepEqual(Buffer.from(await res.arrayBuffer()), PNG);
  const span = await spanOf('/png');
  assert.deepEqual(attrs(span, 'http.response.payload'), {});
  assert.equal(span.attributes['http.response.header.content-type'], 'image/png');
});

test('fetch: a ReadableStream request body is captured as undici sends it, and arrives whole', async () => {
  configure({});
  exporter.reset();
  const parts = ['first part, ', 'second part, ', 'last part'];
  const encoder = new TextEncoder();
  let pulled = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled < parts.length) controller.enqueue(encoder.encode(parts[pulled++]));
      else controller.close();
    },
  });
  const res = await fetch(`${base}/upload`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: stream,
    duplex: 'half',
  } as RequestInit);
  assert.equal(await res.text(), `got ${parts.join('').length} bytes`);
  assert.equal(received.get('/upload'), parts.join(''), 'the server received the whole stream');
  const span = await spanOf('/upload');
  assert.deepEqual(attrs(span, 'http.request.payload'), {
    'http.request.payload': parts.join(''),
    'http.request.payload.size': parts.join('').length,
  });
});

test('fetch: other request bodies (URLSearchParams, Uint8Array, Blob) are captured by content type', async () => {
  configure({});
  exporter.reset();
  await fetch(`${base}/upload?form`, {
    method: 'POST',
    body: new URLSearchParams({ q: 'books', page: '2' }),
  }).then((r) => r.text());
  await fetch(`${base}/upload?bytes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: new TextEncoder().encode('{"bytes":true}'),
  }).then((r) => r.text());
  await fetch(`${base}/upload?blob`, {
    method: 'POST',
    body: new Blob(['{"blob":true}'], { type: 'application/json' }),
  }).then((r) => r.text());
  await fetch(`${base}/upload?png`, {
    method: 'POST',
    body: new Blob([PNG], { type: 'image/png' }),
  }).then((r) => r.text());
  // (each span ended when its body was fully received, before the application's text() resolved)
  const payloadOf = (query: string) =>
    exporter.getFinishedSpans().find((s) => s.attributes['url.query'] === `?${query}`)?.attributes[
      'http.request.payload'
    ];
  assert.equal(payloadOf('form'), 'q=books&page=2');
  assert.equal(payloadOf('bytes'), '{"bytes":true}');
  assert.equal(payloadOf('blob'), '{"blob":true}');
  assert.ok(exporter.getFinishedSpans().some((s) => s.attributes['url.query'] === '?png'));
  assert.equal(payloadOf('png'), undefined);
});

test('fetch: compressed responses (gzip, deflate, br) are captured decoded; .size is the bytes received', async () => {
  configure({ capture: { payloads: { maxBytes: 300 } } });
  exporter.reset();
  for (const encoding of ['gzip', 'deflate', 'br']) {
    const res = await fetch(`${base}/encoded/${encoding}`);
    assert.equal(await res.text(), BIG, `fetch decodes ${encoding}`);
    const span = await spanOf(`/encoded/${encoding}`);
    assert.equal(span.attributes['http.response.payload'], BIG.slice(0, 300), encoding);
    assert.equal(span.attributes['http.response.payload.truncated'], true, encoding);
    assert.equal(
      span.attributes['http.response.payload.size'],
      Number(span.attributes['http.response.header.content-length']),
      `${encoding}: the size received (compressed)`,
    );
  }
});

test('fetch: nothing is captured when payloads are disabled or maxBytes is 0', async () => {
  for (const payloads of [{ enabled: false }, { maxBytes: 0 }]) {
    configure({ capture: { payloads } });
    exporter.reset();
    await fetch(`${base}/json`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"a":1}',
    }).then((r) => r.text());
    const span = await spanOf('/json');
    assert.deepEqual(attrs(span, 'http.request.payload'), {}, JSON.stringify(payloads));
    assert.deepEqual(attrs(span, 'http.response.payload'), {}, JSON.stringify(payloads));
  }
});

// --- The hooks on their own: request objects as the channels publish them. ---

const RESPONSE_JSON = {
  statusCode: 200,
  statusText: 'OK',
  headers: [Buffer.from('content-type'), Buffer.from('application/json')],
};
const requestFields = (): Record<string, unknown> => ({
  origin: 'http://x',
  method: 'POST',
  path: '/p',
  headers: ['content-type', 'application/json'],
  body: {},
});

/** Like undici before 7.11 (Node.js 18 to 24.3): chunks pass through onBodySent / onData, no channel. */
class LegacyRequest {
  constructor() {
    Object.assign(this, requestFields());
  }
  onBodySent(_chunk: unknown): void {}
  onData(_chunk: unknown): boolean {
    return true;
  }
}

/** Like undici 7.11+ (Node.js 24.4+): the same methods, which also publish each chunk. */
class PublishingRequest {
  constructor() {
    Object.assign(this, requestFields());
  }
  onBodySent(chunk: unknown): void {
    dc.channel('undici:request:bodyChunkSent').publish({ request: this, chunk });
  }
  onData(chunk: unknown): boolean {
    dc.channel('undici:request:bodyChunkReceived').publish({ request: this, chunk });
    return true;
  }
}

function exchange(request: object, hooks = createFetchHooks(store)) {
  const span = tracer.startSpan('POST');
  hooks.requestHook(span, request as never);
  hooks.responseHook(span, { request: request as never, response: RESPONSE_JSON });
  const r = request as { onBodySent(c: unknown): void; onData(c: unknown): boolean };
  r.onBodySent(Buffer.from('{"in":'));
  r.onBodySent('1}');
  assert.equal(r.onData(Buffer.from('{"out":')), true, 'the return value is undici’s');
  r.onData(Buffer.from('2}'));
  span.end();
  return exporter.getFinishedSpans().at(-1)!;
}

test('hooks: each chunk counts once, from the wrapped methods or from the channels of undici 7.11+', () => {
  configure({});
  exporter.reset();
  for (const request of [new LegacyRequest(), new PublishingRequest(), new PublishingRequest()]) {
    const span = exchange(request);
    assert.equal(span.attributes['http.request.payload'], '{"in":1}', request.constructor.name);
    assert.equal(span.attributes['http.response.payload'], '{"out":2}', request.constructor.name);
  }
  // A publishing request class, once seen, is left unwrapped.
  const later = new PublishingRequest();
  const span = tracer.startSpan('POST');
  const hooks = createFetchHooks(store);
  hooks.requestHook(span, later as never);
  hooks.responseHook(span, { request: later as never, response: RESPONSE_JSON });
  assert.equal(Object.hasOwn(later, 'onData'), false);
  assert.equal(Object.hasOwn(later, 'onBodySent'), false);
  span.end();
  // A request object without the methods (chunks only on the channels) is captured too.
  const bare = requestFields();
  const span2 = tracer.startSpan('POST');
  hooks.requestHook(span2, bare as never);
  hooks.responseHook(span2, { request: bare as never, response: RESPONSE_JSON });
  dc.channel('undici:request:bodyChunkReceived').publish({ request: bare, chunk: Buffer.from('{"c":3}') });
  span2.end();
  assert.equal(exporter.getFinishedSpans().at(-1)!.attributes['http.response.payload'], '{"c":3}');
});

test('hooks: a span that is not recording gets no observer; bad input never throws', () => {
  configure({});
  const request = new LegacyRequest();
  // What the SDK returns for a span its sampler dropped.
  const notRecording = trace.wrapSpanContext({
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    traceFlags: TraceFlags.NONE,
  });
  assert.equal(notRecording.isRecording(), false);
  const hooks = createFetchHooks(store);
  hooks.requestHook(notRecording, request as never);
  hooks.responseHook(notRecording, { request: request as never, response: RESPONSE_JSON });
  assert.equal(Object.hasOwn(request, 'onData'), false, 'onData not wrapped');
  assert.equal(Object.hasOwn(request, 'onBodySent'), false, 'onBodySent not wrapped');
  assert.equal(Object.hasOwn(notRecording, 'end'), false, 'end not wrapped');

  const span = tracer.startSpan('POST') as Span;
  hooks.requestHook(span, null as never);
  hooks.requestHook(span, { headers: 42, body: 'x' } as never);
  hooks.responseHook(span, { request: {} as never, response: null as never });
  hooks.responseHook(span, null as never);
  const odd = new LegacyRequest();
  hooks.requestHook(span, odd as never);
  odd.onBodySent({ not: 'a chunk' });
  odd.onBodySent(undefined);
  span.end();
});

test('decodePrefix: a cut compressed body decodes to its start; a compression bomb stays bounded', () => {
  const text = Buffer.from(BIG);
  for (const [encoding, compressed] of [
    ['gzip', gzipSync(text)],
    ['deflate', deflateSync(text)],
    ['br', brotliCompressSync(text)],
  ] as const) {
    const out = decodePrefix(compressed.subarray(0, Math.floor(compressed.length / 2)), encoding, 100);
    assert.ok(out && out.length > 100 && text.subarray(0, out.length).equals(out), encoding);
  }
  const bomb = gzipSync(Buffer.alloc(8 * 1024 * 1024));
  const out = decodePrefix(bomb, 'gzip', 100);
  assert.ok(out && out.length <= 64 * 1024, `bounded output (${out?.length})`);
  assert.equal(decodePrefix(Buffer.from('not compressed'), 'gzip', 100), undefined);
});
