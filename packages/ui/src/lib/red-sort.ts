import type { RedNumbers } from '../api/api-types.ts';

/** The columns a RED table sorts by: the item's name or one of its numbers. */
export type RedSortKey = 'name' | keyof RedNumbers;
export type SortDirection = 'asc' | 'desc';

export interface RedSort {
  readonly key: RedSortKey;
  readonly dir: SortDirection;
}

const KEYS: readonly RedSortKey[] = ['name', 'requests', 'rate', 'errorRate', 'p50Ms', 'p95Ms', 'p99Ms'];

/** Reads `key:dir` (the URL form); anything unreadable gives `fallback`. */
export function parseRedSort(text: string | undefined, fallback: RedSort): RedSort {
  const [key, dir] = (text ?? '').split(':');
  if (!KEYS.includes(key as RedSortKey)) return fallback;
  return { key: key as RedSortKey, dir: dir === 'asc' ? 'asc' : 'desc' };
}

export function formatRedSort(sort: RedSort): string {
  return `${sort.key}:${sort.dir}`;
}

/**
 * The sort after a click on a column header: the same column flips direction; a new column
 * starts descending for numbers (the biggest first is what one looks for) and ascending for names.
 */
export function toggleRedSort(current: RedSort, key: RedSortKey): RedSort {
  if (current.key === key) return { key, dir: current.dir === 'asc' ? 'desc' : 'asc' };
  return { key, dir: key === 'name' ? 'asc' : 'desc' };
}

/** A sorted copy; ties are broken by name so the order is stable across refreshes. */
export function sortRedItems<T extends RedNumbers & { name: string }>(
  items: readonly T[],
  sort: RedSort,
): T[] {
  const sign = sort.dir === 'asc' ? 1 : -1;
  return [...items].sort((a, b) => {
    const primary = sort.key === 'name' ? a.name.localeCompare(b.name) : a[sort.key] - b[sort.key];
    return primary !== 0 ? sign * primary : a.name.localeCompare(b.name);
  });
}

/** Requests that failed, from the (SampleRate-weighted) request count and the error rate. */
export function errorCount(item: Pick<RedNumbers, 'requests' | 'errorRate'>): number {
  return Math.round(item.requests * item.errorRate);
}

/** The `n` operations with the highest p95, slowest first. */
export function slowestOperations<T extends RedNumbers & { name: string }>(
  items: readonly T[],
  n: number,
): T[] {
  return sortRedItems(items, { key: 'p95Ms', dir: 'desc' }).slice(0, n);
}

/**
 * The `n` operations that failed most, by error rate and then by error count; operations
 * without errors are left out (an empty list means nothing failed).
 */
export function mostFailingOperations<T extends RedNumbers & { name: string }>(
  items: readonly T[],
  n: number,
): T[] {
  return items
    .filter((item) => item.errorRate > 0)
    .sort(
      (a, b) => b.errorRate - a.errorRate || errorCount(b) - errorCount(a) || a.name.localeCompare(b.name),
    )
    .slice(0, n);
}
