/**
 * npm run bench:agent-encoding
 *
 * The HTTP server span's encoding alone, in a loop: one real express request
 * and response (bench/agent's trivial route) are recorded, then the span's
 * attributes are written again and again (ns per span), and each part on its
 * own. A micro-benchmark: monomorphic and warm, so it shows what a change to
 * the encoder saves, not what a request costs (see bench:agent-perf).
 */
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { TraceFlags } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOnSampler } from '@opentelemetry/sdk-trace-base';
import { parseAgentConfig } from '../../../packages/agent/src/config/agent-config.ts';
import { PayloadCollector } from '../../../packages/agent/src/capture/payload-capture.ts';
import { captureHeaders } from '../../../packages/agent/src/capture/header-capture.ts';
import { ProtobufSink } from '../../../packages/agent/src/telemetry/attribute-encoding.ts';
import {
  requestFacts,
  writeServerRequest,
} from '../../../packages/agent/src/telemetry/http-server-attributes.ts';
import { HttpServerSpan } from '../../../packages/agent/src/telemetry/http-server-span.ts';
import { ProtobufWriter } from '../../../packages/agent/src/telemetry/protobuf-writer.ts';
import { PooledSpanContext, RecordingSpan } from '../../../packages/agent/src/telemetry/recording-span.ts';
import { writeSpan } from '../../../packages/agent/src/telemetry/trace-encoder.ts';

/** express, untyped here (the repository has no @types/express): just what this script calls. */
type Handler = (req: IncomingMessage, res: ServerResponse & { json(body: unknown): void }) => void;
const express = createRequire(import.meta.url)('express') as () => {
  get(path: string, handler: Handler): void;
  listen(port: number, host: string): import('node:http').Server;
};

const capture = parseAgentConfig({}).capture;
const recorder = { resource: resourceFromAttributes({}), sampler: new AlwaysOnSampler(), processors: [] };

let recorded: { req: IncomingMessage; res: ServerResponse; body: PayloadCollector } | undefined;
const app = express();
app.get('/trivial', (req, res) => {
  const body = new PayloadCollector(capture.payloads.maxBytes);
  const end = res.end.bind(res);
  res.end = ((chunk: unknown, ...rest: unknown[]) => {
    body.add(chunk);
    return (end as (...a: unknown[]) => ServerResponse)(chunk, ...rest);
  }) as typeof res.end;
  res.on('close', () => (recorded = { req, res, body }));
  res.json({ ok: true });
});
const server = app.listen(0, '127.0.0.1');
await once(server, 'listening');
await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/trivial`, {
  headers: { 'user-agent': 'autocannon' },
});
while (!recorded) await new Promise((r) => setTimeout(r, 1));
server.close();
const { req, res, body } = recorded;
const block = (res as ServerResponse & { _header: string })._header;

function span(): HttpServerSpan {
  const s = new HttpServerSpan(
    PooledSpanContext.create(undefined, TraceFlags.SAMPLED),
    requestFacts(req, req.headers, 'http'),
    {},
    undefined,
    { name: 'spyglass-http-server' },
    recorder,
  );
  s.noteResponse({
    status: 200,
    route: '/trivial',
    capture,
    requestHeaders: req.rawHeaders,
    responseHeaders: block,
    requestBody: undefined,
    responseBody: body,
  });
  s.end();
  return s;
}

const w = new ProtobufWriter(1 << 20);
function time(name: string, n: number, fn: () => void): void {
  for (let i = 0; i < n / 10; i++) fn(); // warm
  const best: number[] = [];
  for (let round = 0; round < 5; round++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn();
    best.push(Number(process.hrtime.bigint() - t0) / n);
  }
  console.log(
    `${name.padEnd(40)} ${Math.min(...best)
      .toFixed(0)
      .padStart(6)} ns`,
  );
}

const s = span();
time('span: create, note, end', 200_000, () => void span());
time('writeSpan (whole span)', 200_000, () => {
  if (w.pos > 1 << 19) w.reset();
  writeSpan(w, s);
});
time('attributes: request (facts read and written)', 200_000, () => {
  if (w.pos > 1 << 19) w.reset();
  writeServerRequest(requestFacts(req, req.headers, 'http'), new ProtobufSink(w, 9, 128, undefined));
});
const sink = () => new ProtobufSink(w, 9, 128, undefined);
time('capture: response header block', 200_000, () => {
  if (w.pos > 1 << 19) w.reset();
  captureHeaders('response', block, capture.headers, sink());
});
time('capture: request raw headers', 200_000, () => {
  if (w.pos > 1 << 19) w.reset();
  captureHeaders('request', req.rawHeaders, capture.headers, sink());
});
time(
  'ids: trace + span (span context)',
  200_000,
  () => void PooledSpanContext.create(undefined, TraceFlags.SAMPLED),
);

// A span's ids, written from their hex (spans of other tracers) or copied as the bytes they were
// drawn from (the agent's own, PooledSpanContext): 512 ended spans without attributes each.
function bareSpans(pooled: boolean): RecordingSpan[] {
  return Array.from({ length: 512 }, () => {
    const ids = PooledSpanContext.create(undefined, TraceFlags.SAMPLED);
    // The same ids as a plain object: the encoder parses their hex.
    const context = pooled ? ids : { traceId: ids.traceId, spanId: ids.spanId, traceFlags: ids.traceFlags };
    const bare = new RecordingSpan('GET', 1, context, {}, undefined, { name: 'bare' }, recorder);
    bare.end();
    return bare;
  });
}
for (const [name, spans] of [
  ['writeSpan, no attributes: ids from hex', bareSpans(false)],
  ['writeSpan, no attributes: ids as bytes', bareSpans(true)],
] as const) {
  let next = 0;
  time(name, 200_000, () => {
    if (w.pos > 1 << 19) w.reset();
    writeSpan(w, spans[next++ & 511]!);
  });
}
