import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSearch, renderSql } from '@spyglass/query';
import { errorsOnly, slowerThan } from '../src/lib/red-search.ts';
import { edgeSpans, nodeSpans } from '../src/lib/service-map-search.ts';

const RANGE = { fromMs: Date.parse('2026-11-26T11:00:00Z'), toMs: Date.parse('2026-11-26T12:00:00Z') };

test("a node's spans: a service's entry spans, a database's client calls, a broker's messages", () => {
  assert.equal(nodeSpans('payments', 'service').text, 'service:"payments" (kind:Server OR kind:Consumer)');
  assert.equal(
    nodeSpans('postgresql', 'database').text,
    'kind:Client (db.system.name:"postgresql" OR db.system:"postgresql")',
  );
  assert.equal(
    nodeSpans('kafka', 'broker').text,
    'messaging.system:"kafka" (kind:Producer OR kind:Consumer)',
  );
  for (const kind of ['service', 'database', 'broker'] as const) {
    assert.equal(nodeSpans('x', kind).language, 'lucene');
  }
});

test('edges to databases and brokers are the client, producer and consumer spans the map counts', () => {
  const kinds = (source: 'service' | 'broker', target: 'service' | 'database' | 'broker') => ({
    source,
    target,
  });
  assert.equal(
    edgeSpans({ source: 'orders', target: 'postgresql' }, kinds('service', 'database'), RANGE).text,
    'service:"orders" kind:Client (db.system.name:"postgresql" OR db.system:"postgresql")',
  );
  assert.equal(
    edgeSpans({ source: 'orders', target: 'kafka' }, kinds('service', 'broker'), RANGE).text,
    'service:"orders" kind:Producer messaging.system:"kafka"',
  );
  assert.equal(
    edgeSpans({ source: 'kafka', target: 'fulfillment' }, kinds('broker', 'service'), RANGE).text,
    'service:"fulfillment" kind:Consumer messaging.system:"kafka"',
  );
});

test('every Lucene search of the map parses, with errors and slowness added', () => {
  const all = [
    nodeSpans('a "quoted" name', 'service'),
    nodeSpans('redis', 'database'),
    nodeSpans('kafka', 'broker'),
    edgeSpans({ source: 'a', target: 'redis' }, { source: 'service', target: 'database' }, RANGE),
    edgeSpans({ source: 'kafka', target: 'b' }, { source: 'broker', target: 'service' }, RANGE),
  ];
  for (const s of all) {
    for (const q of [s, errorsOnly(s), slowerThan(s, 12.5)]) {
      assert.doesNotThrow(() => renderSql(parseSearch(q.text), 'traces'), q.text);
    }
  }
});

test("a call between services is the callee's entry spans whose parent is in the caller (SQL)", () => {
  const s = edgeSpans(
    { source: 'fulfillment', target: "pay'ments" },
    { source: 'service', target: 'service' },
    RANGE,
  );
  assert.equal(s.language, 'sql');
  assert.match(s.text, /^ServiceName = 'pay\\'ments' AND SpanKind IN \(/);
  assert.match(
    s.text,
    /\(TraceId, ParentSpanId\) IN \(SELECT TraceId, SpanId FROM otel_traces WHERE ServiceName = 'fulfillment'/,
  );
  // Parents are looked for from an hour before the range, as the map query does.
  assert.match(s.text, /parseDateTime64BestEffort\('2026-11-26 10:00:00.000', 9\)/);
  assert.match(s.text, /parseDateTime64BestEffort\('2026-11-26 12:00:00.000', 9\)/);
});
