/** `key=value` items of a map, the ClickStack ALIAS used by its text indexes. */
export function itemsAlias(mapColumn: string): string {
  return `arrayMap((k, v) -> concat(k, '=', v), mapKeys(${mapColumn}), mapValues(${mapColumn}))`;
}

/** A TTL interval clause from a whole number of days (validated by the config schema). */
export function ttlDays(days: number): string {
  if (!Number.isInteger(days) || days <= 0)
    throw new RangeError(`TTL must be a positive whole number of days, got ${days}`);
  return `toIntervalDay(${days})`;
}

/**
 * The byte bound of a granule for otel_traces and otel_logs (ClickHouse's
 * default is 10 MiB, ClickStack leaves it so). Spans and log records are wide
 * (~0.9 KB uncompressed with attributes), so at 10 MiB a granule is the full
 * 8,192 rows, and a lookup by TraceId decompresses the attribute maps of 8,192
 * rows for each span it finds. At 1 MiB a granule is ~1,200 rows: trace by id
 * measured 36 -> 23 ms on 10M spans, for +5% bytes on disk. A table setting
 * only: columns, indexes and ordering stay ClickStack's. ClickHouse cannot
 * change it on an existing table, so tables created before it keep 10 MiB.
 */
export const GRANULE_BYTES = 1_048_576;
