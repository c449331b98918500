import assert from 'node:assert/strict';
import { test } from 'node:test';
import { explainQuery } from '../src/lib/explain-query.ts';
import { histogramSeries } from '../src/lib/histogram-series.ts';
import { flattenRow, rowValue, searchFieldFor } from '../src/lib/row-values.ts';
import { describeRange, resolveBound, resolveRange } from '../src/lib/time-range.ts';

const NOW = Date.parse('2026-11-26T12:00:00Z');

test('URL time ranges: relative bounds resolve against now, absolute ones stay, bad ones fall back', () => {
  assert.equal(resolveBound('now-15m', NOW), NOW - 15 * 60_000);
  assert.equal(resolveBound('now', NOW), NOW);
  assert.equal(resolveBound('1764158400000', NOW), 1764158400000);
  assert.equal(resolveBound('2026-11-26T11:00:00Z', NOW), NOW - 3_600_000);
  assert.equal(resolveBound('yesterday-ish', NOW), undefined);
  assert.deepEqual(resolveRange({ from: 'now-1h', to: 'now' }, NOW), { fromMs: NOW - 3_600_000, toMs: NOW });
  assert.deepEqual(resolveRange({ from: 'now', to: 'now-1h' }, NOW), {
    fromMs: NOW - 15 * 60_000,
    toMs: NOW,
  });
  assert.equal(describeRange({ from: 'now-4h', to: 'now' }, NOW), 'Last 4 hours');
  assert.equal(describeRange({ from: 'now-90m', to: 'now' }, NOW), 'Last 90m');
});

test('the explanation is computed in the browser with the API parser, syntax errors with their position', () => {
  assert.deepEqual(explainQuery('', 'traces', 'lucene'), { ok: true, text: 'everything' });
  const ok = explainQuery('service:payments duration:>100', 'traces', 'lucene');
  assert.equal(ok.ok, true);
  assert.match(
    (ok as { text: string }).text,
    /^service contains payments and duration is greater than 100 ms$/,
  );
  const bad = explainQuery('status:Error AND (duration:>100', 'traces', 'lucene');
  assert.equal(bad.ok, false);
  assert.equal((bad as { position: number }).position, 31);
  assert.match((bad as { message: string }).message, /line 1, col 32/);
  assert.equal(
    explainQuery('Duration > 1e8 AND (', 'traces', 'sql').ok,
    true,
    'SQL is checked by the engine',
  );
});

test('the histogram fills empty buckets and orders series by size with other last', () => {
  const from = Date.parse('2026-11-26T11:00:00Z');
  const h = histogramSeries(
    {
      bucketSeconds: 60,
      buckets: [
        { t: '2026-11-26T11:00:00Z', series: '__other__', count: 50 },
        { t: '2026-11-26T11:02:00Z', series: 'web', count: 3 },
        { t: '2026-11-26T11:02:00Z', series: 'payments', count: 7 },
        { t: '2026-11-26T11:04:00Z', series: 'payments', count: 1 },
      ],
    },
    from,
    from + 5 * 60_000,
  );
  assert.equal(h.x.length, 5);
  assert.equal(h.total, 61);
  assert.deepEqual(
    h.series.map((s) => s.name),
    ['payments', 'web', '__other__'],
  );
  assert.deepEqual(h.series[0]!.values, [0, 0, 7, 0, 1]);
});

test('row values: columns, attribute keys in search order, and explicit map prefixes', () => {
  const row = {
    ServiceName: 'web',
    SpanAttributes: { 'http.route': '/checkout', 'host.name': 'span-level' },
    ResourceAttributes: { 'host.name': 'demo-host' },
  };
  assert.equal(rowValue(row, 'ServiceName', 'traces'), 'web');
  assert.equal(rowValue(row, 'http.route', 'traces'), '/checkout');
  assert.equal(rowValue(row, 'host.name', 'traces'), 'span-level');
  assert.equal(rowValue(row, 'ResourceAttributes.host.name', 'traces'), 'demo-host');
  assert.equal(rowValue(row, 'missing', 'traces'), undefined);
  const flat = flattenRow(row);
  assert.ok(
    flat.some((e) => e.group === 'ResourceAttributes' && e.field === 'host.name' && e.value === 'demo-host'),
  );
  assert.equal(searchFieldFor('SpanAttributes', 'http.route', 'traces'), 'http.route');
  assert.equal(searchFieldFor('ResourceAttributes', 'host.name', 'traces'), 'ResourceAttributes.host.name');
  assert.equal(searchFieldFor('Fields', 'ServiceName', 'traces'), 'ServiceName');
});
