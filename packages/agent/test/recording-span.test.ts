import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  createContextKey,
  trace,
  type Span,
  INVALID_SPAN_CONTEXT,
  type SpanContext,
} from '@opentelemetry/api';
import { RPCType, getRPCMetadata } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOnSampler,
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { decodeTracesProto } from '@spyglass/otlp';
import { ProtobufWriter } from '../src/telemetry/protobuf-writer.ts';
import {
  PooledSpanContext,
  RecordingSpan,
  isValidSpanContext,
  type SpanRecorder,
} from '../src/telemetry/recording-span.ts';
import { ROUTE_SOURCE_KEY, RequestContext } from '../src/telemetry/request-context.ts';
import { encodeTraceRequest } from '../src/telemetry/trace-encoder.ts';

/**
 * The agent's own span (the HTTP server span) against the SDK's: the same
 * calls give the same exported span (attributes, events, links, status, name,
 * limits), its processors see it as the SDK's do, and the request context
 * answers like the contexts the API would build.
 */

const resource = resourceFromAttributes({ 'service.name': 'svc' });
const scope = { name: 'spyglass-http-server', version: '1.0.0' };

function recorder(processors: SpanProcessor[]): SpanRecorder {
  return { resource, sampler: new AlwaysOnSampler(), processors };
}

function recordingSpan(processors: SpanProcessor[] = [], attributes = {}): RecordingSpan {
  const context: SpanContext = PooledSpanContext.create(undefined, TraceFlags.SAMPLED);
  return new RecordingSpan(
    'GET',
    SpanKind.SERVER,
    context,
    attributes,
    undefined,
    scope,
    recorder(processors),
  );
}

/** Calls every Span method the instrumentations use, the way they use them. */
function exercise(span: Span, link: SpanContext): void {
  span.setAttribute('http.request.method', 'GET');
  span.setAttribute('server.port', 8080);
  span.setAttribute('ok', true);
  span.setAttribute('list', ['a', 'b']);
  span.setAttribute('ignored.undefined', undefined as never);
  span.setAttribute('ignored.object', { not: 'valid' } as never);
  span.setAttribute('ignored.mixed', ['a', 1] as never);
  span.setAttributes({ 'a.b': 'c', 'n.ratio': 0.5 });
  span.addEvent('started');
  span.addEvent('with.attributes', { step: 2, skipped: undefined });
  span.addEvent('timed', [1_700_000_000, 5]);
  span.addLink({ context: link, attributes: { 'link.kind': 'batch' } });
  span.recordException(Object.assign(new Error('boom'), { name: 'TypeError' }));
  span.recordException('just a message');
  span.setStatus({ code: SpanStatusCode.UNSET });
  span.setStatus({ code: SpanStatusCode.ERROR, message: 'failed' });
  span.updateName('GET /orders/:id');
}

/** A decoded span without what differs by construction (ids, times, scope). */
function comparable(spans: ReadableSpan[]) {
  const decoded = decodeTracesProto(Buffer.from(encodeTraceRequest(spans, new ProtobufWriter(64))));
  const span = decoded[0]!.scopes[0]!.items[0]!;
  return {
    name: span.name,
    kind: span.kind,
    attributes: span.attributes,
    events: span.events.map((e) => ({
      name: e.name,
      attributes: e.attributes.filter((a) => a.key !== 'exception.stacktrace'),
      timed: e.name === 'timed' ? e.timeUnixNano : undefined,
    })),
    links: span.links.map((l) => ({ traceId: l.traceId, spanId: l.spanId, attributes: l.attributes })),
    status: [span.statusCode, span.statusMessage],
  };
}

test('a RecordingSpan exports what an SDK span exports for the same calls', () => {
  const link: SpanContext = PooledSpanContext.create(undefined, TraceFlags.SAMPLED);
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const sdkSpan = provider.getTracer(scope.name, scope.version).startSpan('GET', { kind: SpanKind.SERVER });
  exercise(sdkSpan, link);
  sdkSpan.end();

  const ours = recordingSpan();
  exercise(ours, link);
  ours.end();

  const expected = comparable(exporter.getFinishedSpans());
  assert.equal(expected.events.length, 5, 'the SDK recorded five events (sanity)');
  assert.deepEqual(comparable([ours]), expected);
});

test('a RecordingSpan ends once: processors see it writable (onEnding), then ended (onEnd); later calls change nothing', () => {
  const seen: string[] = [];
  const processor: SpanProcessor & { onEnding(span: Span): void } = {
    onStart: () => {},
    onEnding: (span) => {
      seen.push(`ending recording=${span.isRecording()}`);
      span.setAttribute('added.while.ending', 1);
    },
    onEnd: (span) => seen.push(`end ended=${span.ended}`),
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
  const span = recordingSpan([processor]);
  span.end();
  span.end();
  span.setAttribute('after.end', 1);
  span.setStatus({ code: SpanStatusCode.ERROR });
  span.updateName('renamed');
  span.addEvent('late');
  assert.deepEqual(seen, ['ending recording=true', 'end ended=true']);
  assert.equal(span.attributes['added.while.ending'], 1);
  assert.equal(span.attributes['after.end'], undefined);
  assert.equal(span.status.code, SpanStatusCode.UNSET);
  assert.equal(span.name, 'GET');
  assert.equal(span.events.length, 0);
  assert.equal(span.isRecording(), false);
  const [s, ns] = span.duration;
  assert.ok(s >= 0 && ns >= 0);
  assert.ok(span.endTime[0] * 1e9 + span.endTime[1] >= span.startTime[0] * 1e9 + span.startTime[1]);
});

test('an OK status is final, and a message is kept only with ERROR', () => {
  const ok = recordingSpan();
  ok.setStatus({ code: SpanStatusCode.OK, message: 'dropped' });
  ok.setStatus({ code: SpanStatusCode.ERROR, message: 'too late' });
  assert.deepEqual(ok.status, { code: SpanStatusCode.OK });
});

test('the limits of the SDK: 128 attributes (the creator counts too), 128 events (oldest dropped)', () => {
  const initial: Record<string, string> = {};
  for (let i = 0; i < 120; i++) initial[`creator.${i}`] = 'x';
  const span = recordingSpan([], initial);
  for (let i = 0; i < 20; i++) span.setAttribute(`later.${i}`, i);
  for (let i = 0; i < 130; i++) span.addEvent(`event ${i}`);
  span.end();
  assert.equal(Object.keys(span.attributes).length, 128);
  assert.equal(span.droppedAttributesCount, 12);
  assert.equal(span.events.length, 128);
  assert.equal(span.events[0]!.name, 'event 2');
  assert.equal(span.droppedEventsCount, 2);
});

test('ids: 32 and 16 lower-case hex digits, never all zero, different each time', () => {
  const traceIds = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const { traceId: id, spanId } = PooledSpanContext.create(undefined, TraceFlags.SAMPLED);
    assert.match(id, /^[0-9a-f]{32}$/);
    assert.doesNotMatch(id, /^0+$/);
    traceIds.add(id);
    assert.match(spanId, /^[0-9a-f]{16}$/);
  }
  assert.equal(traceIds.size, 2000);
});

test('pooled span contexts: the encoder writes the ids their hex says, across pool refills, for new traces and under own and remote parents', () => {
  const own = PooledSpanContext.create(undefined, TraceFlags.SAMPLED);
  const remote: SpanContext = {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
  };
  // 600 contexts (three refills of the 256-span pool), encoded only after all were drawn; a third
  // new, a third under the agent's own parent (drawn before the refills), a third under a remote one.
  const parents = [undefined, own, remote] as const;
  const contexts = Array.from({ length: 600 }, (_, i) =>
    PooledSpanContext.create(parents[i % 3], TraceFlags.SAMPLED),
  );
  const spans = contexts.map((context) => {
    const span = new RecordingSpan('GET', SpanKind.SERVER, context, {}, undefined, scope, recorder([]));
    span.end();
    return span;
  });
  const decoded = decodeTracesProto(encodeTraceRequest(spans, new ProtobufWriter(1024)))[0]!.scopes[0]!.items;
  assert.equal(decoded.length, 600);
  for (let i = 0; i < 600; i++) {
    const context = contexts[i]!;
    assert.match(context.traceId, /^[0-9a-f]{32}$/);
    assert.match(context.spanId, /^[0-9a-f]{16}$/);
    assert.equal(context.newTrace, i % 3 === 0);
    if (i % 3 !== 0) assert.equal(context.traceId, parents[i % 3]!.traceId);
    assert.equal(decoded[i]!.traceId, context.traceId, `trace id of span ${i}`);
    assert.equal(decoded[i]!.spanId, context.spanId, `span id of span ${i}`);
  }
  assert.equal(new Set(contexts.map((c) => c.spanId)).size, 600);
  assert.equal(new Set(contexts.filter((c) => c.newTrace).map((c) => c.traceId)).size, 200);
});

test("isValidSpanContext: the agent's own contexts without reading their ids, others as isSpanContextValid", () => {
  assert.equal(isValidSpanContext(PooledSpanContext.create(undefined, TraceFlags.NONE)), true);
  const valid = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 };
  assert.equal(isValidSpanContext(valid), true);
  assert.equal(isValidSpanContext({ ...valid, traceId: '0'.repeat(32) }), false);
  assert.equal(isValidSpanContext({ ...valid, spanId: 'not hex at all!!' }), false);
  assert.equal(isValidSpanContext(INVALID_SPAN_CONTEXT), false);
});

test('the request context answers like setRPCMetadata(trace.setSpan(parent, span), metadata)', () => {
  const KEY = createContextKey('test key');
  const OTHER = createContextKey('other key');
  const parent = ROOT_CONTEXT.setValue(KEY, 'from the parent');
  const span = recordingSpan();
  const metadata = { type: RPCType.HTTP as const, span };
  const routes = { currentRoute: () => '/orders/:id' };
  const ctx = new RequestContext(parent, span, metadata, routes);
  assert.equal(trace.getSpan(ctx), span);
  assert.equal(ctx.getValue(ROUTE_SOURCE_KEY), routes);
  assert.equal(getRPCMetadata(ctx), metadata);
  assert.equal(ctx.getValue(KEY), 'from the parent');
  assert.equal(ctx.getValue(OTHER), undefined);

  // A child's context (what an instrumentation derives) keeps everything and adds its value.
  const child = recordingSpan();
  const derived = trace.setSpan(ctx.setValue(OTHER, 42), child);
  assert.equal(trace.getSpan(derived), child);
  assert.equal(getRPCMetadata(derived), metadata);
  assert.equal(derived.getValue(KEY), 'from the parent');
  assert.equal(derived.getValue(OTHER), 42);
  assert.equal(derived.getValue(ROUTE_SOURCE_KEY), routes);
  assert.equal(trace.getSpan(ctx), span, 'the request context itself is unchanged');

  const without = trace.deleteSpan(ctx);
  assert.equal(trace.getSpan(without), undefined);
  assert.equal(getRPCMetadata(without), metadata);

  // Derived again and again (each derivation is a new context; none changes its parent's values).
  const third = createContextKey('third key');
  const deeper = derived.setValue(third, 'x');
  assert.equal(deeper.getValue(third), 'x');
  assert.equal(deeper.getValue(OTHER), 42);
  assert.equal(trace.getSpan(deeper), child);
  assert.equal(derived.getValue(third), undefined, 'the parent is unchanged');
  const replaced = deeper.setValue(OTHER, 43);
  assert.equal(replaced.getValue(OTHER), 43);
  assert.equal(deeper.getValue(OTHER), 42);
  const deleted = replaced.deleteValue(OTHER).deleteValue(KEY);
  assert.equal(deleted.getValue(OTHER), undefined);
  assert.equal(deleted.getValue(KEY), undefined, "a value of the request's parent can be deleted too");
  assert.equal(deleted.getValue(third), 'x');
  assert.equal(replaced.getValue(KEY), 'from the parent');
  assert.equal(trace.getSpan(trace.deleteSpan(deeper)), undefined);
  assert.equal(getRPCMetadata(trace.deleteSpan(deeper)), metadata);
});
