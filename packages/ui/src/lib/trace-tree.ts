import type { Row } from '../api/api-types.ts';
import { nsBetween, parsePreciseInstant, type PreciseInstant } from './format.ts';
import { textOf } from './trace-values.ts';

/** One span placed in its trace's tree. Times are nanoseconds from the trace's start. */
export interface TraceSpan {
  /**
   * Position in TraceTree.spans, which is depth-first with children ordered by start: a
   * span's subtree is exactly the range [index, index + subtreeSize).
   */
  readonly index: number;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly name: string;
  readonly service: string;
  readonly kind: string;
  readonly startNs: number;
  readonly durationNs: number;
  readonly endNs: number;
  readonly error: boolean;
  readonly depth: number;
  /** The parent's index, or -1 for a root. */
  readonly parent: number;
  /** Children's indices, by start. */
  readonly children: readonly number[];
  readonly subtreeSize: number;
  /**
   * A root that has a parent id, but that parent is not in the trace (not yet arrived, lost,
   * dropped by sampling, or a parent cycle that had to be cut).
   */
  readonly orphan: boolean;
  readonly row: Row;
}

export interface ServiceSummary {
  readonly name: string;
  readonly spans: number;
  readonly errors: number;
}

export interface TraceTree {
  /** Depth-first order (see TraceSpan.index). */
  readonly spans: readonly TraceSpan[];
  /** Roots by start: true roots and orphans. */
  readonly roots: readonly number[];
  /** The span the trace is about: the earliest true root, else the earliest orphan; -1 when empty. */
  readonly primaryRoot: number;
  /** Span id -> index (the first span wins when ids repeat). */
  readonly byId: ReadonlyMap<string, number>;
  /** The earliest span start: offset 0. */
  readonly start: PreciseInstant;
  /** From the earliest start to the latest end. */
  readonly durationNs: number;
  /** In order of first appearance in the tree. */
  readonly services: readonly ServiceSummary[];
  readonly errorCount: number;
  readonly maxDepth: number;
}

const EPOCH: PreciseInstant = { seconds: 0, nanos: 0 };

/**
 * Builds the span tree of a trace's rows (any order). Iterative throughout, so traces of
 * 100k+ spans, however deep, cost O(n log n) and no stack depth.
 */
export function buildTraceTree(rows: readonly Row[]): TraceTree {
  const n = rows.length;
  const parse = createInstantParser();
  const instants: PreciseInstant[] = new Array<PreciseInstant>(n);
  let start: PreciseInstant | undefined;
  for (let i = 0; i < n; i++) {
    const instant = parse(rows[i]!['Timestamp']);
    instants[i] = instant;
    if (!Number.isFinite(instant.seconds) || !Number.isFinite(instant.nanos)) continue;
    if (!start || compareInstants(instant, start) < 0) start = instant;
  }
  start ??= EPOCH;

  const ids: string[] = new Array<string>(n);
  const parentIds: string[] = new Array<string>(n);
  const startNs = new Float64Array(n);
  const byOriginal = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const row = rows[i]!;
    ids[i] = textOf(row['SpanId']);
    parentIds[i] = textOf(row['ParentSpanId']);
    // A span without a readable start is drawn at the trace's start rather than nowhere.
    startNs[i] = nsBetween(start, instants[i]!) || 0;
    if (!byOriginal.has(ids[i]!)) byOriginal.set(ids[i]!, i);
  }

  const parentOf = new Int32Array(n).fill(-1);
  const kids: Array<number[] | undefined> = new Array<number[] | undefined>(n);
  const roots: number[] = [];
  for (let i = 0; i < n; i++) {
    const p = parentIds[i] ? byOriginal.get(parentIds[i]!) : undefined;
    if (p === undefined || p === i) roots.push(i);
    else {
      parentOf[i] = p;
      const list = kids[p];
      if (list) list.push(i);
      else kids[p] = [i];
    }
  }
  const byStart = (a: number, b: number) => startNs[a]! - startNs[b]! || a - b;
  for (const list of kids) if (list && list.length > 1) list.sort(byStart);
  roots.sort(byStart);

  // Depth-first with an explicit stack. Spans left unvisited sit on a parent cycle: the
  // earliest of each cycle becomes a root (an orphan) and the cycle is cut there.
  const order: number[] = [];
  const visited = new Uint8Array(n);
  const stack: number[] = [];
  const visit = (root: number) => {
    stack.push(root);
    while (stack.length > 0) {
      const i = stack.pop()!;
      if (visited[i]) continue;
      visited[i] = 1;
      order.push(i);
      const list = kids[i];
      if (list) for (let k = list.length - 1; k >= 0; k--) if (!visited[list[k]!]) stack.push(list[k]!);
    }
  };
  for (const r of roots) visit(r);
  if (order.length < n) {
    const rest = Array.from({ length: n }, (_, i) => i)
      .filter((i) => !visited[i])
      .sort(byStart);
    for (const i of rest) {
      if (visited[i]) continue;
      parentOf[i] = -1;
      roots.push(i);
      visit(i);
    }
    // Again from the start, so that the order follows the roots' order by start.
    roots.sort(byStart);
    visited.fill(0);
    order.length = 0;
    for (const r of roots) visit(r);
  }

  const position = new Int32Array(n);
  order.forEach((original, k) => (position[original] = k));
  const subtree = new Int32Array(n).fill(1);
  for (let k = n - 1; k >= 0; k--) {
    const p = parentOf[order[k]!]!;
    if (p >= 0) subtree[position[p]!]! += subtree[k]!;
  }

  const spans: TraceSpan[] = new Array<TraceSpan>(n);
  const depths = new Int32Array(n);
  const services = new Map<string, { spans: number; errors: number }>();
  let endNs = 0;
  let errorCount = 0;
  let maxDepth = 0;
  for (let k = 0; k < n; k++) {
    const original = order[k]!;
    const row = rows[original]!;
    const p = parentOf[original]!;
    const parent = p >= 0 ? position[p]! : -1;
    const depth = parent >= 0 ? depths[parent]! + 1 : 0;
    depths[k] = depth;
    const durationNs = Math.max(0, Number(row['Duration']) || 0);
    const error = row['StatusCode'] === 'Error';
    const service = textOf(row['ServiceName']);
    const span: TraceSpan = {
      index: k,
      spanId: ids[original]!,
      parentSpanId: parentIds[original]!,
      name: textOf(row['SpanName']),
      service,
      kind: textOf(row['SpanKind']),
      startNs: startNs[original]!,
      durationNs,
      endNs: startNs[original]! + durationNs,
      error,
      depth,
      parent,
      children: childPositions(kids[original], original, parentOf, position),
      subtreeSize: subtree[k]!,
      orphan: parent < 0 && parentIds[original] !== '',
      row,
    };
    spans[k] = span;
    endNs = Math.max(endNs, span.endNs);
    if (error) errorCount++;
    maxDepth = Math.max(maxDepth, depth);
    const summary = services.get(service) ?? { spans: 0, errors: 0 };
    summary.spans++;
    if (error) summary.errors++;
    services.set(service, summary);
  }

  const byId = new Map<string, number>();
  for (const span of spans) if (!byId.has(span.spanId)) byId.set(span.spanId, span.index);
  const rootIndices = roots.map((r) => position[r]!);
  const primaryRoot = rootIndices.find((r) => !spans[r]!.orphan) ?? rootIndices[0] ?? -1;
  return {
    spans,
    roots: rootIndices,
    primaryRoot,
    byId,
    start,
    durationNs: endNs,
    services: [...services].map(([name, s]) => ({ name, ...s })),
    errorCount,
    maxDepth,
  };
}

const NO_CHILDREN: readonly number[] = Object.freeze([]);

function childPositions(
  list: readonly number[] | undefined,
  original: number,
  parentOf: Int32Array,
  position: Int32Array,
): readonly number[] {
  if (!list) return NO_CHILDREN;
  const out: number[] = [];
  // Children cut off a parent cycle are roots now.
  for (const c of list) if (parentOf[c] === original) out.push(position[c]!);
  return out;
}

/**
 * The rows a waterfall shows: every span in tree order, except the descendants of collapsed
 * spans. O(visible rows + collapsed spans).
 */
export function visibleRows(tree: TraceTree, collapsed: ReadonlySet<number>): Int32Array {
  const n = tree.spans.length;
  const out = new Int32Array(n);
  let m = 0;
  for (let i = 0; i < n;) {
    out[m++] = i;
    i += collapsed.has(i) ? tree.spans[i]!.subtreeSize : 1;
  }
  return out.subarray(0, m);
}

/** The span's ancestors, nearest first. */
export function ancestorsOf(tree: TraceTree, index: number): number[] {
  const out: number[] = [];
  for (let p = tree.spans[index]?.parent ?? -1; p >= 0; p = tree.spans[p]!.parent) out.push(p);
  return out;
}

/** Every span that has children: the collapsed set of "collapse all". */
export function collapsibleSpans(tree: TraceTree): Set<number> {
  const out = new Set<number>();
  for (const span of tree.spans) if (span.children.length > 0) out.add(span.index);
  return out;
}

/** A copy of `collapsed` without the span's ancestors, so that the span is shown. */
export function revealSpan(
  tree: TraceTree,
  collapsed: ReadonlySet<number>,
  index: number,
): ReadonlySet<number> {
  const hiding = ancestorsOf(tree, index).filter((a) => collapsed.has(a));
  if (hiding.length === 0) return collapsed;
  const next = new Set(collapsed);
  for (const a of hiding) next.delete(a);
  return next;
}

export function compareInstants(a: PreciseInstant, b: PreciseInstant): number {
  return a.seconds - b.seconds || a.nanos - b.nanos;
}

/**
 * parsePreciseInstant with a fast path for the API's own form (`YYYY-MM-DDTHH:MM:SS.fffffffffZ`):
 * spans of a trace share a handful of whole seconds, so Date.parse runs once per second.
 */
export function createInstantParser(): (iso: unknown) => PreciseInstant {
  const seconds = new Map<string, number>();
  return (iso) => {
    if (typeof iso === 'string' && iso.length === 30 && iso[19] === '.' && iso[29] === 'Z') {
      const prefix = iso.slice(0, 19);
      let s = seconds.get(prefix);
      if (s === undefined) {
        s = Date.parse(prefix + 'Z') / 1000;
        seconds.set(prefix, s);
      }
      const nanos = Number(iso.slice(20, 29));
      if (Number.isFinite(s) && Number.isInteger(nanos)) return { seconds: s, nanos };
    }
    return parsePreciseInstant(iso);
  };
}

/** The span's time not covered by any of its children (children clipped to the span; overlaps counted once). */
export function selfTimeNs(tree: TraceTree, index: number): number {
  const span = tree.spans[index];
  if (!span) return 0;
  let covered = 0;
  let reach = span.startNs;
  // Children are ordered by start, so one sweep merges their intervals.
  for (const c of span.children) {
    const child = tree.spans[c]!;
    const start = Math.max(child.startNs, reach);
    const end = Math.min(child.endNs, span.endNs);
    if (end > start) {
      covered += end - start;
      reach = end;
    }
  }
  return span.durationNs - covered;
}
