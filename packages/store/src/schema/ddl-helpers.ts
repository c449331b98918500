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
