import type { NodeKind, RedNumbers, ServiceMapResponse } from '../api/api-types.ts';

export type MapEdge = ServiceMapResponse['edges'][number];
export type MapNode = ServiceMapResponse['nodes'][number];

/** ok: healthy; warn: some errors or slow; bad: failing; idle: no calls to judge by. */
export type Health = 'ok' | 'warn' | 'bad' | 'idle';

export interface HealthThresholds {
  /** At or above this error rate (0..1) a call path is a warning... */
  readonly warnErrorRate: number;
  /** ...and at or above this one it is failing. */
  readonly badErrorRate: number;
  /** A p95 at or above this many milliseconds makes an otherwise healthy path a warning. */
  readonly slowP95Ms: number;
}

export const DEFAULT_THRESHOLDS: HealthThresholds = {
  warnErrorRate: 0.01,
  badErrorRate: 0.05,
  slowP95Ms: 1000,
};

export const HEALTH_COLOURS: Record<Health, string> = {
  ok: '#40c057',
  warn: '#f59f00',
  bad: '#fa5252',
  idle: '#adb5bd',
};

export const HEALTH_LABELS: Record<Health, string> = {
  ok: 'Healthy',
  warn: 'Degraded',
  bad: 'Failing',
  idle: 'No calls',
};

export function edgeErrorRate(edge: Pick<MapEdge, 'calls' | 'errors'>): number {
  return edge.calls > 0 ? Math.min(1, edge.errors / edge.calls) : 0;
}

/** Health from an error rate and a p95; no requests means nothing to judge (idle). */
export function classifyHealth(
  requests: number,
  errorRate: number,
  p95Ms: number,
  thresholds: HealthThresholds = DEFAULT_THRESHOLDS,
): Health {
  if (requests <= 0) return 'idle';
  if (errorRate >= thresholds.badErrorRate) return 'bad';
  if (errorRate >= thresholds.warnErrorRate || p95Ms >= thresholds.slowP95Ms) return 'warn';
  return 'ok';
}

export function edgeHealth(edge: MapEdge, thresholds: HealthThresholds = DEFAULT_THRESHOLDS): Health {
  return classifyHealth(edge.calls, edgeErrorRate(edge), edge.p95Ms, thresholds);
}

/**
 * A node's health: a service's own RED numbers (its entry spans) when known; otherwise
 * (databases, brokers, services without entry spans) the calls into it, pooled: errors
 * over calls, and the worst p95.
 */
export function nodeHealth(
  node: MapNode,
  edges: readonly MapEdge[],
  red: Pick<RedNumbers, 'requests' | 'errorRate' | 'p95Ms'> | undefined,
  thresholds: HealthThresholds = DEFAULT_THRESHOLDS,
): Health {
  if (node.kind === 'service' && red) {
    return classifyHealth(red.requests, red.errorRate, red.p95Ms, thresholds);
  }
  const incoming = edges.filter((e) => e.target === node.id);
  const calls = incoming.reduce((sum, e) => sum + e.calls, 0);
  const errors = incoming.reduce((sum, e) => sum + e.errors, 0);
  const p95 = incoming.reduce((max, e) => Math.max(max, e.p95Ms), 0);
  return classifyHealth(calls, calls > 0 ? errors / calls : 0, p95, thresholds);
}

/** Stroke width of an edge: 1.5px for the quietest to 6px for the busiest, on a log scale. */
export function edgeWidth(calls: number, maxCalls: number): number {
  if (calls <= 0 || maxCalls <= 1) return 1.5;
  return 1.5 + 4.5 * (Math.log1p(calls) / Math.log1p(maxCalls));
}

export const KIND_LABELS: Record<NodeKind, string> = {
  service: 'Service',
  database: 'Database',
  broker: 'Message broker',
};
