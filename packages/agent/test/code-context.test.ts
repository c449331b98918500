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
