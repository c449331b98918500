import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Row } from '../src/api/api-types.ts';
import { criticalNs, criticalPath } from '../src/lib/critical-path.ts';
import { buildTraceTree } from '../src/lib/trace-tree.ts';
import { spanRow } from './trace-fixtures.ts';

const MS = 1e6;

/** The path as [span id, start ms, end ms] triples, by start. */
function pathOf(rows: Row[]): Array<[string, number, number]> {
  const tree = buildTraceTree(rows);
  const path = criticalPath(tree);
  assertTiles(tree, path);
  return path.segments.map((s) => [tree.spans[s.span]!.spanId, s.startNs / MS, s.endNs / MS]);
}

/** Segments tile the primary root's time: contiguous, in order, inside their spans. */
function assertTiles(tree: ReturnType<typeof buildTraceTree>, path: ReturnType<typeof criticalPath>) {
  const root = tree.spans[tree.primaryRoot];
  if (!root) return assert.equal(path.segments.length, 0);
  let at = root.startNs;
  for (const s of path.segments) {
    assert.equal(s.startNs, at, 'no gap or overlap');
    assert.ok(s.endNs > s.startNs, 'no empty segments');
    const span = tree.spans[s.span]!;
    assert.ok(s.startNs >= span.startNs && s.endNs <= span.endNs, 'inside its span');
    at = s.endNs;
  }
  assert.equal(at, root.endNs);
}

test('a lone span is its own critical path', () => {
  assert.deepEqual(pathOf([spanRow('root', '', 0, 10)]), [['root', 0, 10]]);
});

test('sequential children are all on the path, with the parent owning the gaps', () => {
  // root 0-100: a 10-40, then b 50-90
  assert.deepEqual(
    pathOf([spanRow('root', '', 0, 100), spanRow('a', 'root', 10, 30), spanRow('b', 'root', 50, 40)]),
    [
      ['root', 0, 10],
      ['a', 10, 40],
      ['root', 40, 50],
      ['b', 50, 90],
      ['root', 90, 100],
    ],
  );
});

test('of overlapping children, the last to finish is waited for and the earlier one is hidden behind it', () => {
  // a 10-40 runs while b 30-90 runs: the root waits for b; a ended before b did and b started before a ended.
  assert.deepEqual(
    pathOf([spanRow('root', '', 0, 100), spanRow('a', 'root', 10, 30), spanRow('b', 'root', 30, 60)]),
    [
      ['root', 0, 30],
      ['b', 30, 90],
      ['root', 90, 100],
    ],
  );
});

test('parallel children that end before the last one starts are still found, back to back', () => {
  // a 0-60 (with a1 10-50) hands over to b 60-100 exactly: the touching ends must not break the walk.
  assert.deepEqual(
    pathOf([
      spanRow('root', '', 0, 100),
      spanRow('a', 'root', 0, 60),
      spanRow('a1', 'a', 10, 40),
      spanRow('b', 'root', 60, 40),
    ]),
    [
      ['a', 0, 10],
      ['a1', 10, 50],
      ['a', 50, 60],
      ['b', 60, 100],
    ],
  );
});

test('the walk goes down through several levels and comes back up at each start', () => {
  // root 0-100 > s 5-95 > t 10-80 > u 20-30 and v 40-70; w 85-90 under s.
  assert.deepEqual(
    pathOf([
      spanRow('root', '', 0, 100),
      spanRow('s', 'root', 5, 90),
      spanRow('t', 's', 10, 70),
      spanRow('u', 't', 20, 10),
      spanRow('v', 't', 40, 30),
      spanRow('w', 's', 85, 5),
    ]),
    [
      ['root', 0, 5],
      ['s', 5, 10],
      ['t', 10, 20],
      ['u', 20, 30],
      ['t', 30, 40],
      ['v', 40, 70],
      ['t', 70, 80],
      ['s', 80, 85],
      ['w', 85, 90],
      ['s', 90, 95],
      ['root', 95, 100],
    ],
  );
});

test('a child that outlives its parent counts only while the parent runs', () => {
  // a 50-150 under root 0-100: the root stopped waiting at 100.
  assert.deepEqual(pathOf([spanRow('root', '', 0, 100), spanRow('a', 'root', 50, 100)]), [
    ['root', 0, 50],
    ['a', 50, 100],
  ]);
  // b -10..30 started before its parent: only 0-30 counts (offsets are from b's start, the trace's).
  assert.deepEqual(pathOf([spanRow('root', '', 0, 100), spanRow('b', 'root', -10, 40)]), [
    ['b', 10, 40],
    ['root', 40, 110],
  ]);
});

test('work after a parent returned (an async consumer) is not on its path, nor is its subtree', () => {
  // The producer p 10-20 returned before the consumer c 30-80 ran, so nothing waited for c.
  assert.deepEqual(
    pathOf([
      spanRow('root', '', 0, 100),
      spanRow('p', 'root', 10, 10),
      spanRow('c', 'p', 30, 50),
      spanRow('c1', 'c', 35, 10),
    ]),
    [
      ['root', 0, 10],
      ['p', 10, 20],
      ['root', 20, 100],
    ],
  );
});

test('of children ending together, the later-starting one is taken', () => {
  assert.deepEqual(
    pathOf([spanRow('root', '', 0, 100), spanRow('a', 'root', 0, 50), spanRow('b', 'root', 20, 30)]),
    [
      ['root', 0, 20],
      ['b', 20, 50],
      ['root', 50, 100],
    ],
  );
});

test('zero-length spans at the same instant end the walk instead of looping', () => {
  assert.deepEqual(
    pathOf([
      spanRow('root', '', 0, 10),
      spanRow('z1', 'root', 5, 0),
      spanRow('z2', 'root', 5, 0),
      spanRow('z3', 'z2', 5, 0),
    ]),
    [
      ['root', 0, 5],
      ['root', 5, 10],
    ],
  );
});

test('only the primary root has a path: detached orphan subtrees are not part of it', () => {
  const rows = [
    spanRow('root', '', 10, 50),
    spanRow('orphan', 'gone', 0, 100),
    spanRow('x', 'orphan', 20, 10),
  ];
  assert.deepEqual(pathOf(rows), [['root', 10, 60]]);
  const tree = buildTraceTree(rows);
  assert.equal(criticalNs(criticalPath(tree), tree.byId.get('orphan')!), 0);
  assert.equal(criticalNs(criticalPath(tree), tree.byId.get('root')!), 50 * MS);
  assert.deepEqual(criticalPath(buildTraceTree([])).segments, []);
});

test('random trees: the path always tiles the root, and 100k spans take milliseconds', () => {
  let seed = 42;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let round = 0; round < 50; round++) {
    const rows: Row[] = [spanRow('s0', '', 0, 1000)];
    const times: Array<[number, number]> = [[0, 1000]];
    for (let i = 1; i < 60; i++) {
      const p = Math.floor(random() * i);
      const [ps, pe] = times[p]!;
      // Mostly inside the parent, sometimes sticking out or entirely after it.
      const start = Math.round(ps + (random() * 1.2 - 0.1) * (pe - ps));
      const duration = Math.round(random() * (pe - ps) * 0.6);
      rows.push(spanRow(`s${i}`, `s${p}`, start, duration));
      times.push([start, start + duration]);
    }
    pathOf(rows);
  }
  const n = 100_000;
  const big = Array.from({ length: n }, (_, i) =>
    spanRow(`w${i}`, i === 0 ? '' : `w${Math.floor((i - 1) / 4)}`, i / 100, (n - i) / 10),
  );
  const tree = buildTraceTree(big);
  const started = performance.now();
  const path = criticalPath(tree);
  const ms = performance.now() - started;
  assertTiles(tree, path);
  assert.ok(ms < 500, `${ms.toFixed(0)}ms`);
});
