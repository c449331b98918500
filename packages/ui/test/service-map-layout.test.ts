import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServiceMapResponse } from '../src/api/api-types.ts';
import {
  edgeKey,
  edgePath,
  layoutServiceMap,
  nodeLabel,
  nodeSize,
  trimRouteEnd,
} from '../src/lib/service-map-layout.ts';

const edge = (source: string, target: string, calls = 10) => ({
  source,
  target,
  calls,
  errors: 0,
  p50Ms: 1,
  p95Ms: 2,
  p99Ms: 3,
});

const DEMO: ServiceMapResponse = {
  nodes: [
    { id: 'orders', kind: 'service' },
    { id: 'kafka', kind: 'broker' },
    { id: 'postgresql', kind: 'database' },
    { id: 'fulfillment', kind: 'service' },
    { id: 'web', kind: 'service' },
    { id: 'payments', kind: 'service' },
  ],
  edges: [
    edge('orders', 'kafka'),
    edge('orders', 'postgresql'),
    edge('kafka', 'fulfillment'),
    edge('web', 'orders'),
    edge('orders', 'fulfillment'),
    edge('fulfillment', 'payments'),
  ],
  sampledOneIn: 1,
};

test('callers are laid out left of their callees, every node inside the drawing', () => {
  const layout = layoutServiceMap(DEMO);
  const x = (id: string) => layout.nodes.find((n) => n.id === id)!.x;
  assert.ok(x('web') < x('orders'));
  assert.ok(x('orders') < x('kafka'));
  assert.ok(x('kafka') < x('fulfillment'));
  assert.ok(x('fulfillment') < x('payments'));
  for (const n of layout.nodes) {
    assert.ok(n.x - n.width / 2 >= 0 && n.x + n.width / 2 <= layout.width, n.id);
    assert.ok(n.y - n.height / 2 >= 0 && n.y + n.height / 2 <= layout.height, n.id);
  }
  assert.equal(layout.nodes.length, 6);
  assert.equal(layout.edges.length, 6);
});

test("each edge's route runs from its source's box to its target's, keyed source->target", () => {
  const layout = layoutServiceMap(DEMO);
  for (const e of layout.edges) {
    assert.equal(e.key, edgeKey(e));
    const from = layout.nodes.find((n) => n.id === e.source)!;
    const to = layout.nodes.find((n) => n.id === e.target)!;
    const first = e.points[0]!;
    const last = e.points[e.points.length - 1]!;
    assert.ok(e.points.length >= 2, e.key);
    assert.ok(Math.abs(first.x - from.x) <= from.width / 2 + 1, `${e.key} starts at its source`);
    assert.ok(Math.abs(last.x - to.x) <= to.width / 2 + 1, `${e.key} ends at its target`);
    assert.ok(e.label.x > from.x && e.label.x < to.x, `${e.key}'s label is between its ends`);
  }
});

test('the same map in another order is drawn the same way', () => {
  const a = layoutServiceMap(DEMO);
  const b = layoutServiceMap({ ...DEMO, nodes: [...DEMO.nodes].reverse(), edges: [...DEMO.edges].reverse() });
  const place = (l: typeof a) =>
    [...l.nodes].sort((p, q) => p.id.localeCompare(q.id)).map((n) => [n.id, n.x, n.y]);
  assert.deepEqual(place(a), place(b));
});

test('endpoints missing from the node list become services; cycles and self-calls do not break it', () => {
  const layout = layoutServiceMap({
    nodes: [{ id: 'a', kind: 'service' }],
    edges: [edge('a', 'b'), edge('b', 'a'), edge('a', 'a')],
  });
  assert.deepEqual(layout.nodes.map((n) => [n.id, n.kind]).sort(), [
    ['a', 'service'],
    ['b', 'service'],
  ]);
  assert.deepEqual(layout.edges.map((e) => e.key).sort(), ['a->b', 'b->a']);
  const back = layout.edges.find((e) => e.key === 'b->a')!;
  const b = layout.nodes.find((n) => n.id === 'b')!;
  assert.ok(
    Math.abs(back.points[0]!.x - b.x) <= b.width / 2 + 1,
    'a reversed edge still starts at its source',
  );
});

test('an empty map lays out to nothing', () => {
  const layout = layoutServiceMap({ nodes: [], edges: [] });
  assert.deepEqual([layout.nodes.length, layout.edges.length], [0, 0]);
});

test('boxes fit their labels; long names are shortened', () => {
  assert.equal(nodeSize('service', 'web').width, 120);
  assert.ok(nodeSize('service', 'a-rather-long-service-name').width > 120);
  assert.ok(nodeSize('database', 'pg').height > nodeSize('service', 'pg').height);
  assert.equal(nodeLabel('short'), 'short');
  const long = nodeLabel('x'.repeat(40));
  assert.equal(long.length, 28);
  assert.ok(long.endsWith('…'));
});

test('edge paths: a line for two points, a smooth curve through the bends otherwise', () => {
  assert.equal(edgePath([]), '');
  assert.equal(
    edgePath([
      { x: 0, y: 0 },
      { x: 10, y: 5 },
    ]),
    'M0,0 L10,5',
  );
  assert.equal(
    edgePath([
      { x: 0, y: 0 },
      { x: 10, y: 0 },
      { x: 20, y: 10 },
    ]),
    'M0,0 Q10,0 20,10',
  );
  assert.equal(
    edgePath([
      { x: 0, y: 0 },
      { x: 10, y: 0 },
      { x: 20, y: 10 },
      { x: 30, y: 10 },
    ]),
    'M0,0 Q10,0 15,5 Q20,10 30,10',
  );
});

test('routes are shortened at the end to make room for the arrowhead', () => {
  const trimmed = trimRouteEnd(
    [
      { x: 0, y: 0 },
      { x: 0, y: 10 },
      { x: 20, y: 10 },
    ],
    5,
  );
  assert.deepEqual(trimmed[2], { x: 15, y: 10 });
  assert.deepEqual(trimRouteEnd([{ x: 1, y: 1 }], 5), [{ x: 1, y: 1 }]);
  const tooShort = trimRouteEnd(
    [
      { x: 0, y: 0 },
      { x: 3, y: 0 },
    ],
    5,
  );
  assert.deepEqual(tooShort[1], { x: 0, y: 0 });
});
