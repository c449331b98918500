import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RedNumbers } from '../src/api/api-types.ts';
import {
  errorCount,
  formatRedSort,
  mostFailingOperations,
  parseRedSort,
  slowestOperations,
  sortRedItems,
  toggleRedSort,
} from '../src/lib/red-sort.ts';

const item = (name: string, numbers: Partial<RedNumbers> = {}) => ({
  name,
  requests: 10,
  rate: 1,
  errorRate: 0,
  p50Ms: 5,
  p95Ms: 10,
  p99Ms: 20,
  ...numbers,
});

test('sorts by a number either way, ties by name, without changing the input', () => {
  const items = [item('b', { p95Ms: 10 }), item('c', { p95Ms: 30 }), item('a', { p95Ms: 10 })];
  const desc = sortRedItems(items, { key: 'p95Ms', dir: 'desc' }).map((i) => i.name);
  assert.deepEqual(desc, ['c', 'a', 'b']);
  const asc = sortRedItems(items, { key: 'p95Ms', dir: 'asc' }).map((i) => i.name);
  assert.deepEqual(asc, ['a', 'b', 'c']);
  assert.deepEqual(
    items.map((i) => i.name),
    ['b', 'c', 'a'],
  );
  assert.deepEqual(
    sortRedItems(items, { key: 'name', dir: 'desc' }).map((i) => i.name),
    ['c', 'b', 'a'],
  );
});

test('a sort round-trips through the URL; unreadable text falls back', () => {
  const fallback = { key: 'requests', dir: 'desc' } as const;
  assert.deepEqual(parseRedSort(formatRedSort({ key: 'errorRate', dir: 'asc' }), fallback), {
    key: 'errorRate',
    dir: 'asc',
  });
  assert.deepEqual(parseRedSort('p99Ms', fallback), { key: 'p99Ms', dir: 'desc' });
  assert.deepEqual(parseRedSort('bogus:asc', fallback), fallback);
  assert.deepEqual(parseRedSort(undefined, fallback), fallback);
});

test('clicking a header flips its direction; a new column starts biggest-first (names A to Z)', () => {
  assert.deepEqual(toggleRedSort({ key: 'rate', dir: 'desc' }, 'rate'), { key: 'rate', dir: 'asc' });
  assert.deepEqual(toggleRedSort({ key: 'rate', dir: 'asc' }, 'p95Ms'), { key: 'p95Ms', dir: 'desc' });
  assert.deepEqual(toggleRedSort({ key: 'rate', dir: 'desc' }, 'name'), { key: 'name', dir: 'asc' });
});

test('error counts come from the weighted requests and the error rate', () => {
  assert.equal(errorCount({ requests: 40, errorRate: 0.2 }), 8);
  assert.equal(errorCount({ requests: 3, errorRate: 1 / 3 }), 1);
  assert.equal(errorCount({ requests: 0, errorRate: 0 }), 0);
});

test('slowest operations are the top p95s', () => {
  const ops = [item('fast', { p95Ms: 1 }), item('slow', { p95Ms: 900 }), item('mid', { p95Ms: 50 })];
  assert.deepEqual(
    slowestOperations(ops, 2).map((o) => o.name),
    ['slow', 'mid'],
  );
});

test('most failing operations leave out the healthy ones and rank by rate, then by count', () => {
  const ops = [
    item('ok'),
    item('rare', { requests: 10, errorRate: 0.5 }),
    item('busy', { requests: 1000, errorRate: 0.5 }),
    item('some', { requests: 100, errorRate: 0.1 }),
  ];
  assert.deepEqual(
    mostFailingOperations(ops, 5).map((o) => o.name),
    ['busy', 'rare', 'some'],
  );
  assert.deepEqual(mostFailingOperations([item('ok')], 5), []);
  assert.equal(mostFailingOperations(ops, 1).length, 1);
});
