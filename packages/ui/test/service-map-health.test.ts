import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DEFAULT_THRESHOLDS,
  classifyHealth,
  edgeErrorRate,
  edgeHealth,
  edgeWidth,
  nodeHealth,
} from '../src/lib/service-map-health.ts';

const edge = (source: string, target: string, calls: number, errors: number, p95Ms = 10) => ({
  source,
  target,
  calls,
  errors,
  p50Ms: p95Ms / 2,
  p95Ms,
  p99Ms: p95Ms * 2,
});

test('health: green under 1% errors, amber under 5% or slow, red from 5%', () => {
  assert.equal(classifyHealth(100, 0, 10), 'ok');
  assert.equal(classifyHealth(100, 0.0099, 10), 'ok');
  assert.equal(classifyHealth(100, 0.01, 10), 'warn');
  assert.equal(classifyHealth(100, 0.049, 10), 'warn');
  assert.equal(classifyHealth(100, 0.05, 10), 'bad');
  assert.equal(classifyHealth(100, 0, DEFAULT_THRESHOLDS.slowP95Ms), 'warn');
  assert.equal(classifyHealth(100, 0.2, 5000), 'bad');
  assert.equal(classifyHealth(0, 0, 0), 'idle');
});

test("an edge's health is its errors over its calls", () => {
  assert.equal(edgeErrorRate(edge('a', 'b', 40, 8)), 0.2);
  assert.equal(edgeErrorRate(edge('a', 'b', 0, 0)), 0);
  assert.equal(edgeHealth(edge('fulfillment', 'payments', 40, 8)), 'bad');
  assert.equal(edgeHealth(edge('orders', 'postgresql', 40, 0)), 'ok');
  assert.equal(edgeHealth(edge('a', 'b', 40, 0, 2500)), 'warn');
});

test("a service's health is its own RED; a database's is the calls into it, pooled", () => {
  const edges = [edge('a', 'db', 90, 0, 5), edge('b', 'db', 10, 3, 5), edge('db', 'c', 100, 100)];
  assert.equal(nodeHealth({ id: 'db', kind: 'database' }, edges, undefined), 'warn');
  assert.equal(nodeHealth({ id: 'x', kind: 'database' }, edges, undefined), 'idle');
  const red = { requests: 40, errorRate: 0.2, p95Ms: 137 };
  assert.equal(nodeHealth({ id: 'a', kind: 'service' }, edges, red), 'bad');
  // A service without entry spans in the range is judged by the calls into it.
  assert.equal(nodeHealth({ id: 'c', kind: 'service' }, edges, undefined), 'bad');
});

test('edge width grows with calls on a log scale, between 1.5 and 6 px', () => {
  assert.equal(edgeWidth(0, 100), 1.5);
  assert.equal(edgeWidth(100, 100), 6);
  const mid = edgeWidth(10, 100);
  assert.ok(mid > 1.5 && mid < 6);
  assert.ok(edgeWidth(10, 100) < edgeWidth(50, 100));
  assert.equal(edgeWidth(1, 1), 1.5);
});
