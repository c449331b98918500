import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SpanKind, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { parseAgentConfig } from '../src/config/agent-config.ts';
import { ConfigStore } from '../src/config/config-store.ts';
import { CodeContextProcessor } from '../src/processors/code-context-processor.ts';
import { ROUTE_SOURCE_KEY } from '../src/telemetry/request-context.ts';
// @ts-expect-error -- a plain JavaScript fixture without types
import * as sites from './fixtures/call-sites.mjs';

/**
 * Code location on client spans: exact on the first spans of a call path,
 * reused for stable paths, and exact again once a path turns out to have
 * several call sites.
 */
function setup() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    spanProcessors: [
      new CodeContextProcessor(new ConfigStore(parseAgentConfig({}), 'svc')),
      new SimpleSpanProcessor(exporter),
    ],
  });
  const tracer = provider.getTracer('client-lib');
  const parent = tracer.startSpan('GET /orders', { kind: SpanKind.SERVER });
  const ctx = trace.setSpan(ROOT_CONTEXT, parent);
  return { exporter, tracer, ctx };
}

const FIXTURE = fileURLToPath(new URL('./fixtures/call-sites.mjs', import.meta.url));
const callSiteA = (t: ReturnType<typeof setup>) => sites.callSiteA(t.tracer, SpanKind.CLIENT, t.ctx);
const callSiteB = (t: ReturnType<typeof setup>) => sites.callSiteB(t.tracer, SpanKind.CLIENT, t.ctx);

const lines = readFileSync(FIXTURE, 'utf8').split('\n');
const LINE_A = lines.findIndex((l) => l.includes('function callSiteA')) + 2;
const LINE_B = lines.findIndex((l) => l.includes('function callSiteB')) + 2;

test('a client span carries the file and line of the application call that started it', () => {
  const t = setup();
  for (let i = 0; i < 40; i++) callSiteA(t);
  const spans = t.exporter.getFinishedSpans();
  assert.equal(spans.length, 40);
  for (const span of spans) {
    assert.equal(span.attributes['code.file.path'], FIXTURE);
    assert.equal(span.attributes['code.line.number'], LINE_A);
    assert.equal(span.attributes['code.function.name'], 'callSiteA');
  }
});

test('a call path with a second call site is detected and captured exactly from then on', () => {
  const t = setup();
  for (let i = 0; i < 20; i++) callSiteA(t);
  for (let i = 0; i < 48; i++) callSiteB(t);
  const b = t.exporter.getFinishedSpans().slice(20);
  // Until a sampled capture (1 in 16) sees the new site, spans may carry the old one; after it, never.
  const firstExact = b.findIndex((s) => s.attributes['code.line.number'] === LINE_B);
  assert.ok(firstExact >= 0 && firstExact < 16, `detected within 16 spans (at ${firstExact})`);
  for (const span of b.slice(firstExact)) assert.equal(span.attributes['code.line.number'], LINE_B);
});

test('routes that call the same client method from different places keep separate, sampled call paths', () => {
  // A server span is named by its method alone ("GET") until it ends: without the route in the
  // path, the two call sites below would share one path, which turns variable and is captured on
  // every span. With the request's route source in the context, each route's path stays stable.
  const t = setup();
  const parent = trace.getSpan(t.ctx)!;
  const routeCtx = (route: string) =>
    trace.setSpan(ROOT_CONTEXT.setValue(ROUTE_SOURCE_KEY, { currentRoute: () => route }), parent);
  const onA = { ...t, ctx: routeCtx('/a') };
  const onB = { ...t, ctx: routeCtx('/b') };
  let captures = 0;
  const capture = Error.captureStackTrace.bind(Error);
  Error.captureStackTrace = (target: object, fn?: Parameters<typeof Error.captureStackTrace>[1]) => {
    captures++;
    capture(target, fn);
  };
  try {
    for (let i = 0; i < 64; i++) {
      callSiteA(onA);
      callSiteB(onB);
    }
  } finally {
    Error.captureStackTrace = capture;
  }
  const spans = t.exporter.getFinishedSpans();
  assert.equal(spans.length, 128);
  for (let i = 0; i < 128; i++)
    assert.equal(spans[i]!.attributes['code.line.number'], i % 2 === 0 ? LINE_A : LINE_B, `span ${i}`);
  // Per path: 4 learning captures, then 1 call in 16 (and a rare deeper retry): about 16 in all.
  assert.ok(captures <= 24, `${captures} stack captures for 128 spans on two stable paths`);
});
