import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RedItem, RedNumbers } from '../src/api/api-types.ts';
import {
  OTHER_LABEL,
  alignRedSeries,
  bucketGrid,
  emptyBucketValue,
  metricValues,
  pointSeconds,
  redBucketSeconds,
  redGrid,
} from '../src/lib/red-series.ts';

const T0 = Date.parse('2026-11-26T11:00:00Z');
const iso = (offsetS: number) => new Date(T0 + offsetS * 1000).toISOString().replace('.000Z', 'Z');

const numbers = (n: Partial<RedNumbers> = {}): RedNumbers => ({
  requests: 4,
  rate: 0.5,
  errorRate: 0.25,
  p50Ms: 10,
  p95Ms: 50,
  p99Ms: 90,
  ...n,
});

const item = (name: string, requests: number, points: Array<[number, Partial<RedNumbers>]>): RedItem => ({
  name,
  ...numbers({ requests }),
  series: points.map(([offset, n]) => ({ t: iso(offset), ...numbers(n) })),
});

test('bucket starts cover the range at the width the API uses, aligned to multiples of it', () => {
  // An hour gives 60s buckets (about 60 of them), as the backend's bucketSeconds does.
  assert.equal(redBucketSeconds(T0, T0 + 3_600_000), 60);
  assert.equal(redBucketSeconds(T0, T0 + 15 * 60_000), 15);
  const grid = bucketGrid(T0 + 30_000, T0 + 300_000, 60);
  assert.deepEqual(
    grid.map((t) => t - T0 / 1000),
    [0, 60, 120, 180, 240],
  );
});

test('data times off the grid are kept, in order', () => {
  const grid = bucketGrid(T0, T0 + 180_000, 60, [T0 / 1000 + 90]);
  assert.deepEqual(
    grid.map((t) => t - T0 / 1000),
    [0, 60, 90, 120],
  );
});

test('point times are ISO-8601 strings read as epoch seconds', () => {
  assert.equal(pointSeconds('2026-11-26T11:00:00Z'), T0 / 1000);
});

test('gaps are zero requests, but an undefined error rate or latency', () => {
  assert.equal(emptyBucketValue('rate'), 0);
  assert.equal(emptyBucketValue('requests'), 0);
  assert.equal(emptyBucketValue('errorRate'), null);
  assert.equal(emptyBucketValue('p95Ms'), null);
  const series = item('a', 4, [[60, { rate: 2, p95Ms: 40 }]]).series;
  const x = bucketGrid(T0, T0 + 180_000, 60);
  assert.deepEqual(metricValues(series, 'rate', x), [0, 2, 0]);
  assert.deepEqual(metricValues(series, 'p95Ms', x), [null, 40, null]);
});

test('items are aligned on one axis, busiest first; the rest sum into "other" for rates only', () => {
  const items = [
    item('small', 1, [[0, { rate: 1, p95Ms: 5 }]]),
    item('big', 100, [[60, { rate: 10, p95Ms: 7 }]]),
    item('mid', 10, [
      [0, { rate: 2, p95Ms: 6 }],
      [60, { rate: 3, p95Ms: 6 }],
    ]),
  ];
  const x = bucketGrid(T0, T0 + 120_000, 60);
  const rate = alignRedSeries(items, 'rate', x, { top: 2 });
  assert.deepEqual(rate, [
    { label: 'big', values: [0, 10] },
    { label: 'mid', values: [2, 3] },
    { label: OTHER_LABEL, values: [1, 0] },
  ]);
  const p95 = alignRedSeries(items, 'p95Ms', x, { top: 2 });
  assert.deepEqual(
    p95.map((s) => s.label),
    ['big', 'mid'],
  );
  assert.deepEqual(
    alignRedSeries(items, 'rate', x).map((s) => s.label),
    ['big', 'mid', 'small'],
  );
});

test("a set's grid is the range's buckets at the API's width plus the items' own times", () => {
  const items = [item('a', 1, [[91, {}]])];
  const x = redGrid(items, T0, T0 + 120_000);
  assert.equal(x.length, 61, '60 buckets of 2s, and the point at 91s off that grid');
  assert.ok(x.includes(T0 / 1000 + 91));
});

test('no items give the bare grid of the range and no series', () => {
  const x = redGrid([], T0, T0 + 3_600_000);
  assert.equal(x.length, 60);
  assert.deepEqual(alignRedSeries([], 'rate', x), []);
});
