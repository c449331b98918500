import assert from 'node:assert/strict';
import { test } from 'node:test';
import { distinctTraces, slowestSpans, toExampleSpan, toExampleSpans } from '../src/lib/red-examples.ts';

const row = (traceId: string, spanId: string, durationMs: number, status = 'Unset') => ({
  Timestamp: '2026-11-26T11:28:25.056000000Z',
  TraceId: traceId,
  SpanId: spanId,
  ServiceName: 'payments',
  SpanName: 'POST /charge',
  Duration: durationMs * 1e6,
  StatusCode: status,
  StatusMessage: status === 'Error' ? 'card declined' : '',
});

test('a search row becomes an example span; rows without a trace id are dropped', () => {
  assert.deepEqual(toExampleSpan(row('t1', 's1', 137, 'Error')), {
    traceId: 't1',
    spanId: 's1',
    service: 'payments',
    name: 'POST /charge',
    durationMs: 137,
    failed: true,
    statusMessage: 'card declined',
    timestamp: '2026-11-26T11:28:25.056000000Z',
  });
  assert.equal(toExampleSpan({ SpanId: 'x' }), undefined);
  assert.equal(toExampleSpan({ ...row('t', 's', 1), StatusCode: 'STATUS_CODE_ERROR' })?.failed, true);
  assert.equal(toExampleSpan({ ...row('t', 's', 1), Duration: '2000000000' })?.durationMs, 2000);
  assert.equal(toExampleSpans([row('a', '1', 1), { SpanId: 'x' }]).length, 1);
});

test('the slowest spans come one per trace, longest first', () => {
  const spans = toExampleSpans([row('a', '1', 10), row('b', '2', 50), row('a', '3', 90), row('c', '4', 30)]);
  assert.deepEqual(
    slowestSpans(spans, 2).map((s) => s.spanId),
    ['3', '2'],
  );
});

test('distinct traces keep the given (newest-first) order', () => {
  const spans = toExampleSpans([row('a', '1', 10), row('a', '2', 50), row('b', '3', 5)]);
  assert.deepEqual(
    distinctTraces(spans, 5).map((s) => s.spanId),
    ['1', '3'],
  );
});
