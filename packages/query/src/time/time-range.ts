/** A time range in epoch milliseconds, end exclusive. */
export interface TimeRange {
  readonly fromMs: number;
  readonly toMs: number;
}

/** Reads `from`/`to` given as ISO-8601 text or epoch milliseconds (number or digits). */
export function parseInstant(value: string | number, name: string): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return value;
  } else if (/^\d{1,15}$/.test(value.trim())) {
    return Number(value.trim());
  } else {
    const ms = Date.parse(value);
    if (Number.isFinite(ms)) return ms;
  }
  throw new RangeError(
    `${name} must be ISO-8601 (2026-11-26T10:00:00Z) or epoch milliseconds, got ${JSON.stringify(value)}`,
  );
}

/** A nanosecond DateTime64(9) parameter value for ClickHouse, exact, from epoch milliseconds. */
export function toDateTime64Param(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2026-11-26T10:00:00.123Z
  return iso.replace('T', ' ').replace('Z', '');
}

/**
 * Automatic bucket size for about `target` buckets over a range, rounded to a
 * human step (1s, 5s, 10s, 30s, 1m, 5m, ...), in seconds.
 */
export function bucketSeconds(range: TimeRange, target = 60): number {
  const steps = [
    1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 604800,
  ];
  const ideal = (range.toMs - range.fromMs) / 1000 / target;
  return steps.find((s) => s >= ideal) ?? steps[steps.length - 1]!;
}
