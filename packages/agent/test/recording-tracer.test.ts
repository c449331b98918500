import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ROOT_CONTEXT,
  SpanKind,
  TraceFlags,
  context as contextApi,
  createTraceState,
  trace,
  type Context,
  type Span,
  type SpanOptions,
  type Tracer,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { suppressTracing } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  InMemorySpanExporter,
  SamplingDecision,
  SimpleSpanProcessor,
  type ReadableSpan,
  type Sampler,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { decodeTracesProto } from '@spyglass/otlp';
import { SpanCollector } from './support/span-collector.ts';
import { ProtobufWriter } from '../src/telemetry/protobuf-writer.ts';
import { PooledSpanContext, RecordingSpan } from '../src/telemetry/recording-span.ts';
import { RecordingTracerProvider } from '../src/telemetry/recording-tracer.ts';
import { encodeTraceRequest } from '../src/telemetry/trace-encoder.ts';

/**
 * The tracer every instrumentation gets (pg, ioredis, kafkajs, ...) against
 * the SDK's: the same startSpan calls give the same spans (parent, trace
 * state, kind, attributes, links, start time, sampling), the processors see
 * each start as the SDK's processors do, and the spans are RecordingSpans.
 */

const resource = resourceFromAttributes({ 'service.name': 'svc' });

/** A sampler that keeps every span, adds an attribute and a trace state (as a rule-based sampler may). */
const annotating: Sampler = {
  shouldSample: () => ({
    decision: SamplingDecision.RECORD_AND_SAMPLED,
    attributes: { 'sampler.rule': 'keep-all' },
    traceState: createTraceState('vendor=rule1'),
  }),
  toString: () => 'annotating',
};

interface Pair {
  sdk: Tracer;
  ours: Tracer;
  sdkSpans: () => ReadableSpan[];
  ourSpans: ReadableSpan[];
  starts: Array<{ span: Span; context: Context }>;
}

function tracers(sampler: Sampler): Pair {
  const exporter = new InMemorySpanExporter();
  const sdk = new BasicTracerProvider({
    resource,
    sampler,
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const collect = new SpanCollector(true);
  const ours = new RecordingTracerProvider({ resource, sampler, processors: [collect] });
  return {
    sdk: sdk.getTracer('lib', '1.2.3', { schemaUrl: 'https://opentelemetry.io/schemas/1.30.0' }),
    ours: ours.getTracer('lib', '1.2.3', { schemaUrl: 'https://opentelemetry.io/schemas/1.30.0' }),
    sdkSpans: () => exporter.getFinishedSpans(),
    ourSpans: collect.ended,
    starts: collect.started,
  };
}

/** A span decoded from the agent's encoding, without what differs by construction (span id, times). */
function exported(span: ReadableSpan) {
  const decoded = decodeTracesProto(Buffer.from(encodeTraceRequest([span], new ProtobufWriter(64))))[0]!;
  const scope = decoded.scopes[0]!;
  const s = scope.items[0]!;
  return {
    scope: [scope.scope.name, scope.scope.version, scope.schemaUrl],
    name: s.name,
    kind: s.kind,
    traceId: s.traceId,
    parentSpanId: s.parentSpanId,
    traceState: s.traceState,
    attributes: s.attributes,
    links: s.links.map((l) => ({ traceId: l.traceId, spanId: l.spanId, attributes: l.attributes })),
  };
}

const parent = PooledSpanContext.create(undefined, TraceFlags.SAMPLED);
parent.traceState = createTraceState('parent=1');
const parentContext = trace.setSpanContext(ROOT_CONTEXT, parent);
const link = PooledSpanContext.create(undefined, TraceFlags.SAMPLED);

const cases: Array<[string, SpanOptions, Context]> = [
  ['root, no options', {}, ROOT_CONTEXT],
  [
    'child with kind, attributes (invalid ones dropped) and a link',
    {
      kind: SpanKind.CLIENT,
      attributes: { 'db.system': 'postgresql', 'db.statement': 'SELECT 1', bad: { no: 1 } as never },
      links: [{ context: link, attributes: { 'messaging.batch': true } }],
    },
    parentContext,
  ],
  ['root: true ignores the parent', { root: true, kind: SpanKind.PRODUCER }, parentContext],
];

for (const sampler of [new AlwaysOnSampler(), annotating])
  for (const [name, options, context] of cases)
    test(`startSpan (${sampler.toString()}): ${name}: the span the SDK would export`, () => {
      const t = tracers(sampler);
      const sdkSpan = t.sdk.startSpan('op', options, context);
      const ourSpan = t.ours.startSpan('op', options, context);
      assert.ok(ourSpan instanceof RecordingSpan);
      sdkSpan.end();
      ourSpan.end();
      const expected = exported(t.sdkSpans()[0]!);
      const actual = exported(t.ourSpans[0]!);
      if (!options.root && context === parentContext) {
        assert.equal(actual.traceId, parent.traceId);
        // Written from the parent's pooled bytes: the id its hex says.
        assert.equal(actual.parentSpanId, parent.spanId);
      } else assert.notEqual(actual.traceId, parent.traceId);
      // Trace ids of new traces differ by construction.
      if (context !== parentContext || options.root) expected.traceId = actual.traceId;
      assert.deepEqual(actual.scope, ['lib', '1.2.3', 'https://opentelemetry.io/schemas/1.30.0']);
      assert.deepEqual(actual, expected);
      assert.equal(ourSpan.spanContext().traceFlags, sdkSpan.spanContext().traceFlags);
    });

test('each processor sees the start with the span and the parent context, as in the SDK', () => {
  const t = tracers(new AlwaysOnSampler());
  const span = t.ours.startSpan('op', { kind: SpanKind.CLIENT }, parentContext);
  assert.equal(t.starts.length, 1);
  assert.equal(t.starts[0]!.span, span);
  assert.equal(t.starts[0]!.context, parentContext);
});

test('a processor that throws on start does not break the span or the application', () => {
  const throwing: SpanProcessor = {
    onStart: () => {
      throw new Error('processor bug');
    },
    onEnd: () => {},
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
  const tracer = new RecordingTracerProvider({
    resource,
    sampler: new AlwaysOnSampler(),
    processors: [throwing],
  }).getTracer('lib');
  const span = tracer.startSpan('op');
  assert.equal(span.isRecording(), true);
  span.end();
});

test('a dropped span (sampler: not recorded) is a non-recording span with its ids, and reaches no processor', () => {
  const t = tracers(new AlwaysOffSampler());
  const span = t.ours.startSpan('op', {}, parentContext);
  assert.equal(span.isRecording(), false);
  assert.equal(span.spanContext().traceId, parent.traceId);
  assert.match(span.spanContext().spanId, /^[0-9a-f]{16}$/);
  assert.equal(span.spanContext().traceFlags, TraceFlags.NONE);
  span.end();
  assert.equal(t.starts.length, 0);
  assert.equal(t.ourSpans.length, 0);
});

test('suppressed tracing (the agent exporting): an invalid, non-recording span', () => {
  const t = tracers(new AlwaysOnSampler());
  const span = t.ours.startSpan('op', {}, suppressTracing(parentContext));
  assert.equal(span.isRecording(), false);
  assert.equal(trace.isSpanContextValid(span.spanContext()), false);
  assert.equal(t.starts.length, 0);
});

test('a given start time is kept (epoch milliseconds, HrTime, Date, performance.now()); a bad one means now', () => {
  const t = tracers(new AlwaysOnSampler());
  const at = Date.now() - 5000;
  const given = [at, [Math.floor(at / 1000), (at % 1000) * 1e6] as [number, number], new Date(at)];
  for (const startTime of given) {
    const span = t.ours.startSpan('op', { startTime }) as RecordingSpan;
    assert.ok(Math.abs(span.startMs - at) < 1, `start ${String(startTime)}: ${span.startMs} vs ${at}`);
  }
  const relative = t.ours.startSpan('op', { startTime: performance.now() - 100 }) as RecordingSpan;
  assert.ok(Math.abs(relative.startMs - (Date.now() - 100)) < 50);
  const bad = t.ours.startSpan('op', { startTime: 'yesterday' as never }) as RecordingSpan;
  assert.ok(Math.abs(bad.startMs - Date.now()) < 50);
});

test('startActiveSpan: every overload runs the function with the span active and returns its result', () => {
  const manager = new AsyncLocalStorageContextManager().enable();
  contextApi.setGlobalContextManager(manager);
  try {
    const t = tracers(new AlwaysOnSampler());
    const inside = (span: Span) => {
      assert.equal(trace.getActiveSpan(), span);
      span.end();
      return span.spanContext().traceId;
    };
    const a = t.ours.startActiveSpan('a', inside);
    const b = t.ours.startActiveSpan('b', { kind: SpanKind.CONSUMER }, inside);
    const c = t.ours.startActiveSpan('c', {}, parentContext, inside);
    assert.match(a, /^[0-9a-f]{32}$/);
    assert.match(b, /^[0-9a-f]{32}$/);
    assert.equal(c, parent.traceId);
    assert.deepEqual(
      t.ourSpans.map((s) => [s.name, s.kind]),
      [
        ['a', SpanKind.INTERNAL],
        ['b', SpanKind.CONSUMER],
        ['c', SpanKind.INTERNAL],
      ],
    );
    // Started inside another active span: its child.
    t.ours.startActiveSpan('outer', (outer) => {
      const inner = t.ours.startSpan('inner') as RecordingSpan;
      assert.equal(inner.parentSpanContext?.spanId, outer.spanContext().spanId);
      inner.end();
      outer.end();
    });
  } finally {
    contextApi.disable();
  }
});

test('getTracer: one tracer per scope; forceFlush and shutdown reach every processor', async () => {
  const calls: string[] = [];
  const processor: SpanProcessor = {
    onStart: () => {},
    onEnd: () => {},
    forceFlush: () => (calls.push('flush'), Promise.resolve()),
    shutdown: () => (calls.push('shutdown'), Promise.resolve()),
  };
  const provider = new RecordingTracerProvider({
    resource,
    sampler: new AlwaysOnSampler(),
    processors: [processor, processor],
  });
  assert.equal(provider.getTracer('a', '1'), provider.getTracer('a', '1'));
  assert.notEqual(provider.getTracer('a', '1'), provider.getTracer('a', '2'));
  await provider.forceFlush();
  await provider.shutdown();
  assert.deepEqual(calls, ['flush', 'flush', 'shutdown', 'shutdown']);
});
