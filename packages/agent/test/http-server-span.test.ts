import assert from 'node:assert/strict';
import { once } from 'node:events';
import { ServerResponse, createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { TraceFlags, type Attributes } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOnSampler, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { decodeTracesProto } from '@spyglass/otlp';
import { parseAgentConfig, type CaptureConfig } from '../src/config/agent-config.ts';
import { PayloadCollector } from '../src/capture/payload-capture.ts';
import { requestFacts } from '../src/telemetry/http-server-attributes.ts';
import { HttpServerSpan } from '../src/telemetry/http-server-span.ts';
import { ProtobufWriter } from '../src/telemetry/protobuf-writer.ts';
import { PooledSpanContext } from '../src/telemetry/recording-span.ts';
import { encodeTraceRequest } from '../src/telemetry/trace-encoder.ts';

/**
 * The HTTP server span keeps its attributes in records and writes protobuf
 * straight from them (header values as ranges of node:http's header block);
 * `attributes` builds the object from the same records. Both must say the
 * same thing, for real requests and responses of node:http, in every capture
 * mode: this encodes each span, decodes it with the backend's decoder, and
 * compares with `attributes`.
 */

const scope = { name: 'spyglass-http-server', version: '1.0.0' };
const recorder = { resource: resourceFromAttributes({}), sampler: new AlwaysOnSampler(), processors: [] };

interface Case {
  name: string;
  capture: CaptureConfig;
  /** Request headers as sent (a raw list: a name may repeat; node:http adds no Host to a list). */
  headers: string[];
  handle(res: ServerResponse): void;
  body?: string;
  /** Set through the API before the span ends. */
  own?: Attributes;
}

const defaults = parseAgentConfig({}).capture;
const allowlist = parseAgentConfig({
  capture: { headers: { mode: 'allowlist', allowlist: ['x-request-id', 'content-type', 'x-dup'] } },
}).capture;

const cases: Case[] = [
  {
    name: 'plain JSON response, default capture',
    capture: defaults,
    headers: ['Host', 'shop.local:8080', 'User-Agent', 'curl/8', 'X-Request-Id', 'r-1'],
    handle: (res) => {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ ok: true }));
    },
  },
  {
    name: 'secrets, duplicates, wide and non-ASCII values',
    capture: defaults,
    headers: [
      'Host',
      'example.com',
      'Authorization',
      'Bearer abc',
      'X-Dup',
      'one',
      'x-dup',
      'two',
      'X-Api-Key',
      'k',
      'Cookie',
      'a=1',
    ],
    handle: (res) => {
      res.setHeader('Set-Cookie', ['s=1', 't=2']);
      res.setHeader('X-Long', 'x'.repeat(300));
      res.setHeader('X-Unicode', 'caf\u00e9');
      res.appendHeader?.('Vary', 'Accept');
      res.appendHeader?.('Vary', 'Origin');
      res.setHeader('Content-Type', 'text/plain');
      res.statusCode = 503;
      res.end('down');
    },
  },
  {
    name: 'allowlist, a request body, an own attribute replacing an HTTP one',
    capture: allowlist,
    headers: [
      'Host',
      'example.com',
      'Content-Type',
      'text/plain',
      'X-Dup',
      'a',
      'X-Dup',
      'b',
      'X-Other',
      'no',
    ],
    body: 'hello body',
    own: { 'http.route': '/set/by/the/app', 'app.tenant': 't-1' },
    handle: (res) => {
      res.writeHead(201, { 'content-type': 'text/plain' });
      res.write('part one, ');
      res.end('part two');
    },
  },
  {
    name: 'headers off',
    capture: parseAgentConfig({ capture: { headers: { mode: 'off' } } }).capture,
    headers: ['Host', 'example.com', 'X-Request-Id', 'r-2'],
    handle: (res) => res.end(),
  },
];

function decodedAttributes(span: ReadableSpan): Attributes {
  const decoded = decodeTracesProto(Buffer.from(encodeTraceRequest([span], new ProtobufWriter(64))));
  const out: Attributes = {};
  for (const { key, value } of decoded[0]!.scopes[0]!.items[0]!.attributes) {
    assert.equal(out[key], undefined, `attribute ${key} written once`);
    out[key] = typeof value === 'bigint' ? Number(value) : (value as Attributes[string]);
  }
  return out;
}

/** Serves one request of `c` and returns its ended span. */
async function serve(c: Case): Promise<HttpServerSpan> {
  let ended: HttpServerSpan | undefined;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const context = PooledSpanContext.create(undefined, TraceFlags.SAMPLED);
    const span = new HttpServerSpan(
      context,
      requestFacts(req, req.headers, 'http'),
      {},
      undefined,
      scope,
      recorder,
    );
    const requestBody = new PayloadCollector(c.capture.payloads.maxBytes);
    const responseBody = new PayloadCollector(c.capture.payloads.maxBytes);
    req.on('data', (chunk: Buffer) => requestBody.add(chunk));
    req.on('end', () => {
      const write = res.write.bind(res);
      res.write = ((chunk: unknown, ...rest: unknown[]) => {
        responseBody.add(chunk);
        return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
      }) as typeof res.write;
      const end = res.end.bind(res);
      res.end = ((chunk?: unknown, ...rest: unknown[]) => {
        if (typeof chunk !== 'function') responseBody.add(chunk);
        return (end as (...a: unknown[]) => ServerResponse)(chunk, ...rest);
      }) as typeof res.end;
      res.on('close', () => {
        for (const [k, v] of Object.entries(c.own ?? {})) span.setAttribute(k, v);
        span.noteResponse({
          status: res.statusCode,
          route: '/cases/:name',
          capture: c.capture,
          requestHeaders: req.rawHeaders,
          responseHeaders: (res as ServerResponse & { _header: string })._header,
          requestBody,
          responseBody,
        });
        span.end();
        ended = span;
      });
      c.handle(res);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  try {
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest(
        { port, path: '/cases/one?id=7', method: c.body ? 'POST' : 'GET', headers: c.headers },
        (res) => {
          res.resume();
          res.on('end', resolve);
        },
      );
      req.on('error', reject);
      req.end(c.body);
    });
    const deadline = Date.now() + 5000;
    while (!ended && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1));
    assert.ok(ended, 'the server span ended');
    return ended;
  } finally {
    server.close();
  }
}

for (const c of cases) {
  test(`HTTP server span, ${c.name}: the encoded attributes are the attributes object's`, async () => {
    const span = await serve(c);
    const object = span.attributes;
    assert.deepEqual(decodedAttributes(span), object);
    // The object itself is what the capture rules say, so the comparison is not empty-handed.
    assert.equal(object['http.request.method'], c.body ? 'POST' : 'GET');
    assert.equal(object['url.path'], '/cases/one');
    assert.equal(object['url.query'], 'id=7');
    assert.equal(typeof object['http.response.status_code'], 'number');
    if (c.own) for (const [k, v] of Object.entries(c.own)) assert.equal(object[k], v, `own ${k} wins`);
    else assert.equal(object['http.route'], '/cases/:name');
    if (c.capture.headers.mode === 'off')
      assert.deepEqual(
        Object.keys(object).filter((k) => k.includes('.header.')),
        [],
      );
  });
}

test('HTTP server span: secrets redacted, repeated headers joined, wide and non-ASCII values intact', async () => {
  const object = (await serve(cases[1]!)).attributes;
  assert.equal(object['http.request.header.authorization'], '[REDACTED]');
  assert.equal(object['http.request.header.x-api-key'], '[REDACTED]');
  assert.equal(object['http.request.header.cookie'], '[REDACTED]');
  assert.equal(object['http.response.header.set-cookie'], '[REDACTED]');
  assert.equal(object['http.request.header.x-dup'], 'one, two');
  assert.equal(object['http.response.header.x-long'], 'x'.repeat(300));
  assert.equal(object['http.response.header.x-unicode'], 'caf\u00e9');
  if (typeof (ServerResponse.prototype as { appendHeader?: unknown }).appendHeader === 'function')
    assert.equal(object['http.response.header.vary'], 'Accept, Origin');
  assert.equal(object['http.response.status_code'], 503);
  assert.equal(object['http.response.payload'], 'down');
});

test('HTTP server span: the allowlist keeps only its names; bodies are captured by content type', async () => {
  const object = (await serve(cases[2]!)).attributes;
  assert.equal(object['http.request.header.x-dup'], 'a, b');
  assert.equal(object['http.request.header.content-type'], 'text/plain');
  assert.equal(object['http.request.header.x-other'], undefined);
  assert.equal(object['http.request.payload'], 'hello body');
  assert.equal(object['http.response.payload'], 'part one, part two');
  assert.equal(object['http.response.payload.size'], 18);
  assert.equal(object['app.tenant'], 't-1');
});
