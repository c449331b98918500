/**
 * An array of `length` copies of `value`, packed: `new Array(n).fill(v)` makes
 * a holey one, whose reads V8 compiles with hole checks. For the fixed-size
 * slots of the agent's caches (attribute-encoding.ts, recent-exchanges.ts).
 */
export function packedArray<T>(length: number, value: T): T[] {
  return Array.from({ length }, () => value);
}
