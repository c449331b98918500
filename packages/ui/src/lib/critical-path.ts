import type { TraceTree } from './trace-tree.ts';

/** A stretch of one span's own time that the trace's end-to-end latency waited on. */
export interface CriticalSegment {
  readonly span: number;
  readonly startNs: number;
  readonly endNs: number;
}

export interface CriticalPath {
  /** By start. They tile the primary root's time exactly: no gaps, no overlaps. */
  readonly segments: readonly CriticalSegment[];
  /** Each span's segments, by start. */
  readonly bySpan: ReadonlyMap<number, readonly CriticalSegment[]>;
}

/**
 * The critical path of the trace's primary root, as Jaeger computes it (after Uber's
 * CRISP): start at the root's end and walk back in time. At each span, the child that
 * finishes last before the current point is what the span was waiting for: the gap after
 * it is the span's own work, and the walk continues inside that child from its end. A span
 * with no such child owns the rest back to its start; the walk then returns to its parent
 * at the span's start.
 *
 * As in Jaeger, a child is first clipped to its parent's time (and ignored, with its
 * subtree, when entirely outside it, as work the parent did not wait for: a consumer that
 * ran after its producer returned). Unlike Jaeger, a child that ends exactly where the
 * walk is counts as "before" it (timestamps often have millisecond precision, so back-to-
 * back calls touch); each parent's children are tried in decreasing end order at most
 * once, which keeps the walk O(n log n) and finite even with zero-length spans.
 */
export function criticalPath(tree: Pick<TraceTree, 'spans' | 'primaryRoot'>): CriticalPath {
  const root = tree.primaryRoot;
  const spans = tree.spans;
  if (root < 0 || !spans[root]) return { segments: [], bySpan: new Map() };

  // Clip every span of the root's subtree to its parent's clipped time (parents come first).
  const end = spans[root].subtreeSize + root;
  const clipStart = new Float64Array(spans.length);
  const clipEnd = new Float64Array(spans.length);
  const kept = new Uint8Array(spans.length);
  clipStart[root] = spans[root].startNs;
  clipEnd[root] = spans[root].endNs;
  kept[root] = 1;
  for (let i = root + 1; i < end; i++) {
    const span = spans[i]!;
    const p = span.parent;
    if (!kept[p]) continue;
    if (span.startNs >= clipEnd[p]! || span.endNs <= clipStart[p]!) continue;
    clipStart[i] = Math.max(span.startNs, clipStart[p]!);
    clipEnd[i] = Math.min(span.endNs, clipEnd[p]!);
    kept[i] = 1;
  }

  // Each span's kept children by end (then start, then position), and each child's place there.
  const byEnd = new Map<number, number[]>();
  const place = new Int32Array(spans.length);
  const childrenByEnd = (i: number): number[] => {
    let list = byEnd.get(i);
    if (!list) {
      list = spans[i]!.children.filter((c) => kept[c]);
      list.sort((a, b) => clipEnd[a]! - clipEnd[b]! || clipStart[a]! - clipStart[b]! || a - b);
      list.forEach((c, k) => (place[c] = k));
      byEnd.set(i, list);
    }
    return list;
  };

  const found: CriticalSegment[] = [];
  const add = (span: number, startNs: number, endNs: number) => {
    if (endNs > startNs) found.push({ span, startNs, endNs });
  };
  let current = root;
  let point = clipEnd[root]!;
  // Only children at positions below this are still candidates of `current`.
  let below = Number.POSITIVE_INFINITY;
  for (;;) {
    const list = childrenByEnd(current);
    const last = Math.min(lastEndingBy(list, clipEnd, point), below - 1);
    if (last >= 0) {
      const child = list[last]!;
      add(current, clipEnd[child]!, point);
      current = child;
      point = clipEnd[child]!;
      below = Number.POSITIVE_INFINITY;
      continue;
    }
    add(current, clipStart[current]!, point);
    if (current === root) break;
    point = clipStart[current]!;
    below = place[current]!;
    current = spans[current]!.parent;
  }

  found.sort((a, b) => a.startNs - b.startNs);
  const bySpan = new Map<number, CriticalSegment[]>();
  for (const segment of found) {
    const list = bySpan.get(segment.span);
    if (list) list.push(segment);
    else bySpan.set(segment.span, [segment]);
  }
  return { segments: found, bySpan };
}

/** The largest position in `list` (sorted by end) whose end is <= point, or -1. */
function lastEndingBy(list: readonly number[], ends: Float64Array, point: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ends[list[mid]!]! <= point) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** How much of the span's own time is on the critical path. */
export function criticalNs(path: CriticalPath, span: number): number {
  let total = 0;
  for (const s of path.bySpan.get(span) ?? []) total += s.endNs - s.startNs;
  return total;
}
