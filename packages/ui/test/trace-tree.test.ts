import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ancestorsOf,
  buildTraceTree,
  collapsibleSpans,
  revealSpan,
  selfTimeNs,
  visibleRows,
  type TraceTree,
} from '../src/lib/trace-tree.ts';
import { createTraceSearch } from '../src/lib/trace-search.ts';
import { isoAt, spanRow } from './trace-fixtures.ts';

const ids = (tree: TraceTree, indices: Iterable<number>) => [...indices].map((i) => tree.spans[i]!.spanId);

/**
 *  root 0-100
 *  ├─ a 10-40
 *  │  └─ a1 12-20
 *  └─ b 50-90
 *     ├─ b1 55-60
 *     └─ b2 60-80
 * given in scrambled order.
 */
const SIMPLE = [
  spanRow('b2', 'b', 60, 20),
  spanRow('a', 'root', 10, 30, { ServiceName: 'orders' }),
  spanRow('root', '', 0, 100, { ServiceName: 'web' }),
  spanRow('b', 'root', 50, 40, { StatusCode: 'Error', ServiceName: 'payments' }),
  spanRow('a1', 'a', 12, 8, { ServiceName: 'orders' }),
  spanRow('b1', 'b', 55, 5, { ServiceName: 'payments', StatusCode: 'Error' }),
];

test('the tree is depth-first with children by start, whatever the rows order', () => {
  const tree = buildTraceTree(SIMPLE);
  assert.deepEqual(ids(tree, tree.spans.keys()), ['root', 'a', 'a1', 'b', 'b1', 'b2']);
  assert.deepEqual(
    tree.spans.map((s) => [s.depth, s.parent, s.subtreeSize]),
    [
      [0, -1, 6],
      [1, 0, 2],
      [2, 1, 1],
      [1, 0, 3],
      [2, 3, 1],
      [2, 3, 1],
    ],
  );
  assert.deepEqual(tree.spans[3]!.children, [4, 5]);
  assert.deepEqual(tree.roots, [0]);
  assert.equal(tree.primaryRoot, 0);
  assert.equal(tree.byId.get('b1'), 4);
  assert.equal(tree.maxDepth, 2);
});

test('offsets and durations are nanoseconds from the earliest start, exact although epoch ns exceed a double', () => {
  const rows = [
    { ...spanRow('x', '', 0, 0), Timestamp: isoAt(123_456_789), Duration: 1 },
    { ...spanRow('y', 'x', 0, 0), Timestamp: isoAt(123_456_790), Duration: '7' },
    { ...spanRow('z', 'x', 0, 0), Timestamp: isoAt(1_000_000_001), Duration: 2_000_000_000 },
  ];
  const tree = buildTraceTree(rows);
  assert.deepEqual(
    tree.spans.map((s) => [s.spanId, s.startNs, s.durationNs, s.endNs]),
    [
      ['x', 0, 1, 1],
      ['y', 1, 7, 8],
      ['z', 876_543_212, 2_000_000_000, 2_876_543_212],
    ],
  );
  assert.equal(tree.durationNs, 2_876_543_212);
  assert.deepEqual(tree.start, { seconds: Date.UTC(2026, 10, 26, 11, 20, 38) / 1000, nanos: 123_456_789 });
});

test('services keep their order of appearance with span and error counts', () => {
  const tree = buildTraceTree(SIMPLE);
  assert.deepEqual(tree.services, [
    { name: 'web', spans: 1, errors: 0 },
    { name: 'orders', spans: 2, errors: 0 },
    { name: 'payments', spans: 2, errors: 1 + 1 },
    { name: 'svc', spans: 1, errors: 0 },
  ]);
  assert.equal(tree.errorCount, 2);
  assert.deepEqual(
    tree.spans.filter((s) => s.error).map((s) => s.spanId),
    ['b', 'b1'],
  );
});

test('spans whose parent is missing become roots marked as orphans; the true root stays primary', () => {
  const tree = buildTraceTree([
    spanRow('lost-child', 'never-arrived', 0, 5),
    spanRow('root', '', 1, 50),
    spanRow('c', 'root', 2, 3),
    spanRow('grandchild', 'lost-child', 1, 2),
  ]);
  assert.deepEqual(ids(tree, tree.roots), ['lost-child', 'root']);
  assert.equal(tree.spans[tree.primaryRoot]!.spanId, 'root');
  assert.deepEqual(
    tree.spans.map((s) => [s.spanId, s.orphan, s.depth]),
    [
      ['lost-child', true, 0],
      ['grandchild', false, 1],
      ['root', false, 0],
      ['c', false, 1],
    ],
  );
});

test('a trace of orphans only has its earliest orphan as primary root', () => {
  const tree = buildTraceTree([spanRow('b', 'gone', 5, 1), spanRow('a', 'gone', 1, 1)]);
  assert.equal(tree.spans[tree.primaryRoot]!.spanId, 'a');
});

test('parent cycles and self-parents are cut, so every span is shown exactly once', () => {
  const tree = buildTraceTree([
    spanRow('a', 'b', 0, 10),
    spanRow('b', 'a', 1, 5),
    spanRow('c', 'b', 2, 1),
    spanRow('self', 'self', 3, 1),
  ]);
  assert.deepEqual(ids(tree, tree.spans.keys()).sort(), ['a', 'b', 'c', 'self']);
  assert.deepEqual(ids(tree, tree.roots), ['a', 'self']);
  assert.ok(tree.spans[tree.roots[0]!]!.orphan);
  assert.equal(tree.spans[0]!.subtreeSize, 3);
  assert.deepEqual(
    tree.spans.map((s) => s.children.length),
    [1, 1, 0, 0],
  );
});

test('repeated span ids keep every row; children attach to the first', () => {
  const tree = buildTraceTree([spanRow('p', '', 0, 10), spanRow('p', '', 1, 1), spanRow('c', 'p', 2, 1)]);
  assert.equal(tree.spans.length, 3);
  assert.deepEqual(ids(tree, tree.spans[0]!.children), ['c']);
  assert.equal(tree.byId.get('p'), 0);
});

test('visible rows skip the descendants of collapsed spans', () => {
  const tree = buildTraceTree(SIMPLE);
  const at = (id: string) => tree.byId.get(id)!;
  assert.deepEqual(ids(tree, visibleRows(tree, new Set())), ['root', 'a', 'a1', 'b', 'b1', 'b2']);
  assert.deepEqual(ids(tree, visibleRows(tree, new Set([at('b')]))), ['root', 'a', 'a1', 'b']);
  assert.deepEqual(ids(tree, visibleRows(tree, new Set([at('a'), at('b')]))), ['root', 'a', 'b']);
  assert.deepEqual(ids(tree, visibleRows(tree, new Set([at('root'), at('b')]))), ['root']);
  assert.deepEqual(ids(tree, visibleRows(tree, collapsibleSpans(tree))), ['root']);
  assert.deepEqual(ids(tree, collapsibleSpans(tree)), ['root', 'a', 'b']);
});

test('revealing a span expands its collapsed ancestors only', () => {
  const tree = buildTraceTree(SIMPLE);
  const at = (id: string) => tree.byId.get(id)!;
  assert.deepEqual(ids(tree, ancestorsOf(tree, at('b2'))), ['b', 'root']);
  const all = collapsibleSpans(tree);
  const revealed = revealSpan(tree, all, at('b2'));
  assert.deepEqual(ids(tree, revealed), ['a']);
  assert.deepEqual(ids(tree, visibleRows(tree, revealed)), ['root', 'a', 'b', 'b1', 'b2']);
  const none = new Set<number>();
  assert.equal(revealSpan(tree, none, at('b2')), none, 'unchanged sets are returned as they are');
});

test('search matches names, services, attribute keys and values, and exception messages, case-insensitively', () => {
  const tree = buildTraceTree([
    spanRow('root', '', 0, 10, { SpanName: 'POST /checkout' }),
    spanRow('db', 'root', 1, 2, {
      SpanName: 'INSERT orders',
      SpanAttributes: { 'db.query.text': 'INSERT INTO orders VALUES ($1)' },
    }),
    spanRow('pay', 'root', 3, 2, {
      ServiceName: 'payments',
      SpanAttributes: { 'http.response.status_code': '503' },
      'Events.Timestamp': [isoAt(4e6)],
      'Events.Name': ['exception'],
      'Events.Attributes': [{ 'exception.message': 'Card declined' }],
    }),
  ]);
  const search = createTraceSearch(tree);
  assert.deepEqual(ids(tree, search('insert')), ['db']);
  assert.deepEqual(ids(tree, search('  PAYMENTS ')), ['pay']);
  assert.deepEqual(ids(tree, search('status_code=503')), ['pay']);
  assert.deepEqual(ids(tree, search('card declined')), ['pay']);
  assert.deepEqual(ids(tree, search('o')), ['root', 'db', 'pay']);
  assert.deepEqual(search(''), []);
  assert.deepEqual(search('nothing like this'), []);
});

test('100,000 spans, one chain deep or a wide tree, build without recursion in well under a second', () => {
  const n = 100_000;
  const chain = Array.from({ length: n }, (_, i) =>
    spanRow(`s${i}`, i === 0 ? '' : `s${i - 1}`, i / 1000, 1),
  );
  let started = performance.now();
  const deep = buildTraceTree(chain.reverse());
  const deepMs = performance.now() - started;
  assert.equal(deep.spans.length, n);
  assert.equal(deep.maxDepth, n - 1);
  assert.equal(deep.spans[n - 1]!.spanId, `s${n - 1}`);
  assert.equal(visibleRows(deep, new Set([0])).length, 1);

  const wideRows = Array.from({ length: n }, (_, i) =>
    spanRow(`w${i}`, i === 0 ? '' : `w${Math.floor((i - 1) / 4)}`, i / 100, n - i),
  );
  started = performance.now();
  const wide = buildTraceTree(wideRows);
  const wideMs = performance.now() - started;
  assert.equal(wide.spans[0]!.subtreeSize, n);
  assert.equal(visibleRows(wide, new Set()).length, n);
  assert.ok(deepMs < 1500 && wideMs < 1500, `built in ${deepMs.toFixed(0)}ms and ${wideMs.toFixed(0)}ms`);
});

test("self time is the span's time outside its children, overlaps counted once", () => {
  const tree = buildTraceTree([
    spanRow('root', '', 0, 100),
    spanRow('a', 'root', 10, 30),
    spanRow('b', 'root', 30, 20),
    spanRow('c', 'root', 90, 30),
  ]);
  // children cover 10-50 and 90-100 (c is clipped): 50ms of 100.
  assert.equal(selfTimeNs(tree, 0), 50e6);
  assert.equal(selfTimeNs(tree, tree.byId.get('a')!), 30e6);
});
