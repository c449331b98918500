import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ROOT_CONTEXT, SpanKind, context, createContextKey, trace } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { decodeTracesProto } from '@spyglass/otlp';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { SpanCollector } from './support/span-collector.ts';
import { AgentContextManager } from '../src/telemetry/agent-context-manager.ts';
import { EncodingSpanProcessor } from '../src/telemetry/encoding-span-processor.ts';
import type { ExportStats } from '../src/telemetry/export-stats.ts';

/** Ended spans of one resource over two scopes, with attributes, a parent, an event. */
function makeSpans(
  n: number,
  resource = resourceFromAttributes({ 'service.name': 'svc', 'process.pid': 42 }),
): ReadableSpan[] {
  // Collected as they end (SimpleSpanProcessor would hold them until an async resource settles).
  const collector = new SpanCollector();
  const provider = new BasicTracerProvider({ resource, spanProcessors: [collector] });
  for (let i = 0; i < n; i++) {
    const tracer = provider.getTracer(i % 2 ? 'scope-odd' : 'scope-even', '1.0.0');
    const parent = tracer.startSpan(`GET /${i}`, { kind: SpanKind.SERVER, attributes: { i, ok: true } });
    const child = tracer.startSpan(
      'query',
      { attributes: { 'db.query.text': 'SELECT ?' } },
      trace.setSpan(ROOT_CONTEXT, parent),
    );
    child.addEvent('note', { detail: 'żółć' });
    child.end();
    parent.end();
  }
  return collector.ended;
}

function decodeAll(bodies: Buffer[]): string[] {
  const out: string[] = [];
  for (const body of bodies)
    for (const group of decodeTracesProto(body))
      for (const scope of group.scopes)
        for (const span of scope.items)
          out.push(
            JSON.stringify({ resource: group.resource, scope: scope.scope, span }, (_k, v: unknown) =>
              typeof v === 'bigint' ? v.toString() : v,
            ),
          );
  return out.sort();
}

test('spans sent in batches of maxBatchSize decode to what the upstream serializer encodes', async () => {
  const spans = makeSpans(10);
  const bodies: Buffer[] = [];
  const stats: ExportStats = { exportedSpans: 0, failedSpans: 0, droppedSpans: 0 };
  const processor = new EncodingSpanProcessor(
    {
      send: (body, done) => {
        bodies.push(body);
        setImmediate(() => done({ code: ExportResultCode.SUCCESS }));
      },
      shutdown: () => Promise.resolve(),
    },
    { maxQueueSize: 1000, maxBatchSize: 6, scheduledDelayMs: 60_000 },
    stats,
  );
  for (const span of spans) processor.onEnd(span);
  assert.equal(bodies.length, 3, 'a batch each time 6 spans are buffered');
  await processor.forceFlush();
  assert.equal(bodies.length, 4, 'forceFlush sends the partial batch');
  assert.deepEqual(stats, { exportedSpans: 20, failedSpans: 0, droppedSpans: 0 });
  const upstream = Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!);
  assert.deepEqual(decodeAll(bodies), decodeAll([upstream]));
});

test('the buffer is bounded: spans beyond maxQueueSize (buffered or being sent) are dropped and counted', async () => {
  const spans = makeSpans(5);
  const pending: Array<(r: ExportResult) => void> = [];
  const stats: ExportStats = { exportedSpans: 0, failedSpans: 0, droppedSpans: 0 };
  const processor = new EncodingSpanProcessor(
    { send: (_body, done) => pending.push(done), shutdown: () => Promise.resolve() },
    { maxQueueSize: 4, maxBatchSize: 2, scheduledDelayMs: 60_000 },
    stats,
  );
  for (const span of spans) processor.onEnd(span);
  assert.equal(pending.length, 2, 'two batches in flight (the gateway does not answer)');
  assert.equal(stats.droppedSpans, 6);
  pending[0]!({ code: ExportResultCode.FAILED, error: new Error('down') });
  pending[1]!({ code: ExportResultCode.SUCCESS });
  await processor.shutdown();
  assert.deepEqual(stats, { exportedSpans: 2, failedSpans: 2, droppedSpans: 6 });
});

test('a resource still detecting (async attributes): shutdown waits for it and still sends the spans', async () => {
  const resource = resourceFromAttributes({
    'service.name': 'svc',
    'host.id': new Promise<string>((resolve) => setTimeout(() => resolve('h-1'), 20)),
  });
  const spans = makeSpans(2, resource);
  const bodies: Buffer[] = [];
  let closed = false;
  const processor = new EncodingSpanProcessor(
    {
      send: (body, done) => {
        assert.equal(closed, false, 'sent before the sender is shut down');
        bodies.push(body);
        done({ code: ExportResultCode.SUCCESS });
      },
      shutdown: () => {
        closed = true;
        return Promise.resolve();
      },
    },
    { maxQueueSize: 100, maxBatchSize: 100, scheduledDelayMs: 60_000 },
    { exportedSpans: 0, failedSpans: 0, droppedSpans: 0 },
  );
  for (const span of spans) processor.onEnd(span);
  await processor.shutdown();
  assert.equal(bodies.length, 1);
  const [group] = decodeTracesProto(bodies[0]!);
  assert.equal(
    group!.scopes.reduce((n, s) => n + s.items.length, 0),
    4,
  );
  assert.match(JSON.stringify(group!.resource), /h-1/);
});

test('spans that end while the resource is still detecting wait for it, then go in batches of at most maxBatchSize', async () => {
  const resource = resourceFromAttributes({
    'service.name': 'svc',
    'host.id': new Promise<string>((resolve) => setTimeout(() => resolve('h-2'), 20)),
  });
  const spans = makeSpans(4, resource); // 8 spans
  const sizes: number[] = [];
  const stats: ExportStats = { exportedSpans: 0, failedSpans: 0, droppedSpans: 0 };
  const processor = new EncodingSpanProcessor(
    {
      send: (body, done) => {
        for (const group of decodeTracesProto(body)) {
          assert.match(JSON.stringify(group.resource), /h-2/);
          sizes.push(group.scopes.reduce((n, s) => n + s.items.length, 0));
        }
        done({ code: ExportResultCode.SUCCESS });
      },
      shutdown: () => Promise.resolve(),
    },
    // Spans are encoded one at a time once the resource is complete, not before.
    { maxQueueSize: 100, maxBatchSize: 3, scheduledDelayMs: 60_000, encodeEvery: 1 },
    stats,
  );
  for (const span of spans) processor.onEnd(span);
  assert.deepEqual(sizes, [], 'nothing sent before the resource is complete');
  await processor.forceFlush();
  assert.deepEqual(sizes, [3, 3, 2]);
  assert.deepEqual(stats, { exportedSpans: 8, failedSpans: 0, droppedSpans: 0 });
});

test('fewer spans than a batch are encoded and sent by the export timer, and flushed by forceFlush and shutdown', async () => {
  const spans = makeSpans(2);
  const bodies: Buffer[] = [];
  const stats: ExportStats = { exportedSpans: 0, failedSpans: 0, droppedSpans: 0 };
  const sender = {
    send: (body: Buffer, done: (r: ExportResult) => void) => {
      bodies.push(body);
      done({ code: ExportResultCode.SUCCESS });
    },
    shutdown: () => Promise.resolve(),
  };
  const processor = (scheduledDelayMs: number) =>
    new EncodingSpanProcessor(sender, { maxQueueSize: 100, maxBatchSize: 512, scheduledDelayMs }, stats);
  // The same tick: forceFlush sends the spans that have just ended.
  const flushed = processor(60_000);
  for (const span of spans) flushed.onEnd(span);
  await flushed.forceFlush();
  assert.equal(decodeAll(bodies).length, 4);
  // On their own, they are encoded and sent when the export timer fires (scheduledDelayMs).
  bodies.length = 0;
  const timed = processor(20);
  for (const span of spans) timed.onEnd(span);
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(decodeAll(bodies).length, 4, 'sent by the timer');
  // At shutdown, spans ended in the same tick are sent too.
  bodies.length = 0;
  const closing = processor(60_000);
  for (const span of spans) closing.onEnd(span);
  await closing.shutdown();
  assert.equal(decodeAll(bodies).length, 4);
  assert.deepEqual(stats, { exportedSpans: 12, failedSpans: 0, droppedSpans: 0 });
});

test('spans encoded every few as they end make the same batches as spans encoded when their batch goes', async () => {
  const spans = makeSpans(10); // 20 spans, over two scopes
  const run = async (encodeEvery: number) => {
    const bodies: Buffer[] = [];
    const stats: ExportStats = { exportedSpans: 0, failedSpans: 0, droppedSpans: 0 };
    const processor = new EncodingSpanProcessor(
      {
        send: (body, done) => {
          bodies.push(body);
          done({ code: ExportResultCode.SUCCESS });
        },
        shutdown: () => Promise.resolve(),
      },
      { maxQueueSize: 1000, maxBatchSize: 7, scheduledDelayMs: 60_000, encodeEvery },
      stats,
    );
    for (const span of spans) processor.onEnd(span);
    await processor.forceFlush();
    const sizes = bodies.map((b) =>
      decodeTracesProto(b).reduce((n, g) => n + g.scopes.reduce((m, s) => m + s.items.length, 0), 0),
    );
    return { sizes, stats, spans: decodeAll(bodies) };
  };
  const whole = await run(1000);
  for (const encodeEvery of [1, 3, 7]) {
    const chunked = await run(encodeEvery);
    assert.deepEqual(chunked.sizes, [7, 7, 6], `encodeEvery ${encodeEvery}: batches of maxBatchSize`);
    assert.deepEqual(chunked.stats, { exportedSpans: 20, failedSpans: 0, droppedSpans: 0 });
    assert.deepEqual(chunked.spans, whole.spans, `encodeEvery ${encodeEvery}: the same spans`);
  }
  // Encoded spans count toward the queue's bound like waiting ones.
  const sent: Array<(r: ExportResult) => void> = [];
  const stats: ExportStats = { exportedSpans: 0, failedSpans: 0, droppedSpans: 0 };
  const bounded = new EncodingSpanProcessor(
    {
      // The first batch is not answered until the test says so; later ones at once.
      send: (_body, done) => (sent.length === 0 ? sent.push(done) : done({ code: ExportResultCode.SUCCESS })),
      shutdown: () => Promise.resolve(),
    },
    { maxQueueSize: 5, maxBatchSize: 4, scheduledDelayMs: 60_000, encodeEvery: 1 },
    stats,
  );
  for (const span of spans.slice(0, 9)) bounded.onEnd(span);
  assert.equal(sent.length, 1, 'one batch of 4 sent, unanswered');
  assert.equal(stats.droppedSpans, 4, '4 in flight + 1 waiting (encoded) fill the queue of 5');
  sent[0]!({ code: ExportResultCode.SUCCESS });
  await bounded.shutdown();
  assert.deepEqual(stats, { exportedSpans: 5, failedSpans: 0, droppedSpans: 4 });
});

test('encoded spans are released before their batch goes; spans waiting to be encoded are not', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const live = async (encodeEvery: number) => {
    const processor = new EncodingSpanProcessor(
      { send: (_body, done) => done({ code: ExportResultCode.SUCCESS }), shutdown: () => Promise.resolve() },
      { maxQueueSize: 1000, maxBatchSize: 512, scheduledDelayMs: 60_000, encodeEvery },
      { exportedSpans: 0, failedSpans: 0, droppedSpans: 0 },
    );
    const refs = (() => {
      const spans = makeSpans(4); // 8 spans
      for (const span of spans) processor.onEnd(span);
      const weak = spans.map((span) => new WeakRef(span));
      // The array is makeSpans' collector's, which every span reaches (through its provider).
      spans.length = 0;
      return weak;
    })();
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    const alive = refs.filter((ref) => ref.deref() !== undefined).length;
    await processor.shutdown();
    return alive;
  };
  assert.equal(await live(8), 0, 'encoded (8 of 8): none kept');
  assert.equal(await live(3), 2, 'encoded 6 of 8: the last 2 kept');
  assert.equal(await live(1000), 8, 'none encoded: all kept');
});

test('batches go in the context of no request: the sender and what it schedules see none of the context the spans ended in', async () => {
  const manager = new AgentContextManager();
  assert.equal(context.setGlobalContextManager(manager.enable()), true);
  try {
    const KEY = createContextKey('the request a span ended in');
    const seen: Array<[when: string, value: unknown]> = [];
    const processor = new EncodingSpanProcessor(
      {
        send: (_body, done) => {
          seen.push(['send', context.active().getValue(KEY)]);
          setImmediate(() => {
            seen.push(['answer', context.active().getValue(KEY)]);
            done({ code: ExportResultCode.SUCCESS });
          });
        },
        shutdown: () => Promise.resolve(),
      },
      { maxQueueSize: 100, maxBatchSize: 2, scheduledDelayMs: 20 },
      { exportedSpans: 0, failedSpans: 0, droppedSpans: 0 },
    );
    const spans = makeSpans(2); // four spans: a full batch of two at the second, one left for the timer
    context.with(ROOT_CONTEXT.setValue(KEY, 'request 1'), () => {
      for (const span of spans.slice(0, 3)) processor.onEnd(span);
    });
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(seen, [
      ['send', undefined], // the full batch, sent from the span's end
      ['answer', undefined],
      ['send', undefined], // the rest, sent by the export timer
      ['answer', undefined],
    ]);
  } finally {
    context.disable();
  }
});
