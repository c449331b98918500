import { graphlib, layout } from '@dagrejs/dagre';
import type { NodeKind } from '../api/api-types.ts';
import type { MapEdge, MapNode } from './service-map-health.ts';

export interface Point {
  readonly x: number;
  readonly y: number;
}

/** A laid-out node: its centre and size, in the layout's coordinates. */
export interface PlacedNode extends MapNode {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** A laid-out edge: its route from the source's border to the target's, and where its label goes. */
export interface PlacedEdge extends MapEdge {
  readonly key: string;
  readonly points: readonly Point[];
  readonly label: Point;
}

export interface MapLayout {
  readonly width: number;
  readonly height: number;
  readonly nodes: readonly PlacedNode[];
  readonly edges: readonly PlacedEdge[];
}

/** The key of an edge in the URL (`?edge=`) and in the layout. */
export function edgeKey(edge: Pick<MapEdge, 'source' | 'target'>): string {
  return `${edge.source}->${edge.target}`;
}

const MAX_LABEL = 28;

/** A node's label, shortened with an ellipsis past `max` characters (its box has room for that many). */
export function nodeLabel(id: string, max = MAX_LABEL): string {
  return id.length <= max ? id : `${id.slice(0, max - 1)}…`;
}

/** Space for an edge's two-line label (calls and error rate, p95). */
export const EDGE_LABEL_SIZE = { width: 118, height: 30 } as const;

const HEIGHTS: Record<NodeKind, number> = { service: 44, database: 60, broker: 44 };

/** A node's box: wide enough for its label (about 7.5px a character at 13px) and its icon. */
export function nodeSize(kind: NodeKind, label: string): { width: number; height: number } {
  const text = Math.min(label.length, MAX_LABEL) * 7.5;
  const padding = kind === 'broker' ? 56 : 44;
  return { width: Math.max(120, Math.ceil(text + padding)), height: HEIGHTS[kind] };
}

/**
 * Lays the map out left to right with dagre: callers left of callees, edge labels given
 * their own room. Endpoints named by an edge but missing from the node list are added as
 * services, so every edge has both ends. The API returns rows in no fixed order and dagre's
 * result depends on the order it is given, so nodes and edges are sorted first: the same
 * map is drawn the same way on every refresh.
 */
export function layoutServiceMap(input: { nodes: readonly MapNode[]; edges: readonly MapEdge[] }): MapLayout {
  const map = {
    nodes: [...input.nodes].sort((a, b) => compare(a.id, b.id)),
    edges: [...input.edges].sort((a, b) => compare(a.source, b.source) || compare(a.target, b.target)),
  };
  const g = new graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: 'LR', nodesep: 28, ranksep: 28, edgesep: 14, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  const nodes = new Map<string, MapNode>(map.nodes.map((n) => [n.id, n]));
  for (const e of map.edges) {
    for (const id of [e.source, e.target]) if (!nodes.has(id)) nodes.set(id, { id, kind: 'service' });
  }
  for (const node of nodes.values()) g.setNode(node.id, nodeSize(node.kind, node.id));
  for (const e of map.edges) {
    if (e.source === e.target) continue;
    g.setEdge(e.source, e.target, { ...EDGE_LABEL_SIZE, labelpos: 'c' }, edgeKey(e));
  }
  layout(g);
  const graph = g.graph() as { width?: number; height?: number };
  const placedNodes: PlacedNode[] = [...nodes.values()].map((node) => {
    const box = g.node(node.id) as { x: number; y: number; width: number; height: number };
    return { ...node, x: box.x, y: box.y, width: box.width, height: box.height };
  });
  const placedEdges: PlacedEdge[] = [];
  for (const e of map.edges) {
    if (e.source === e.target) continue;
    const routed = g.edge(e.source, e.target, edgeKey(e)) as
      { points?: Point[]; x?: number; y?: number } | undefined;
    const points = routed?.points ?? [];
    const middle = points[Math.floor(points.length / 2)] ?? { x: 0, y: 0 };
    placedEdges.push({
      ...e,
      key: edgeKey(e),
      points,
      label: { x: routed?.x ?? middle.x, y: routed?.y ?? middle.y },
    });
  }
  return { width: graph.width ?? 0, height: graph.height ?? 0, nodes: placedNodes, edges: placedEdges };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * An SVG path through an edge's route: a straight line for two points, otherwise a smooth
 * curve that passes through the midpoints between the route's bends (quadratic Béziers
 * with the bends as control points), from the first point to the last.
 */
export function edgePath(points: readonly Point[]): string {
  const first = points[0];
  const last = points[points.length - 1];
  if (!first || !last) return '';
  const r = (n: number) => Math.round(n * 10) / 10;
  let d = `M${r(first.x)},${r(first.y)}`;
  if (points.length === 2) return `${d} L${r(last.x)},${r(last.y)}`;
  for (let i = 1; i < points.length - 2; i++) {
    const p = points[i]!;
    const next = points[i + 1]!;
    d += ` Q${r(p.x)},${r(p.y)} ${r((p.x + next.x) / 2)},${r((p.y + next.y) / 2)}`;
  }
  const control = points[points.length - 2]!;
  return `${d} Q${r(control.x)},${r(control.y)} ${r(last.x)},${r(last.y)}`;
}

/**
 * The route with its last point pulled back by `by` pixels along the last segment, so an
 * arrowhead drawn past the end (marker refX 0) ends on the target's border, not inside it.
 */
export function trimRouteEnd(points: readonly Point[], by: number): Point[] {
  const last = points[points.length - 1];
  const before = points[points.length - 2];
  if (!last || !before) return [...points];
  const dx = last.x - before.x;
  const dy = last.y - before.y;
  const length = Math.hypot(dx, dy);
  if (length === 0) return [...points];
  const keep = Math.max(0, length - by) / length;
  return [...points.slice(0, -1), { x: before.x + dx * keep, y: before.y + dy * keep }];
}
