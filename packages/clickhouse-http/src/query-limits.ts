import type { SettingAssignment } from './statement-tail.ts';

/**
 * Caps every read runs under. They matter more than on a ClickHouse server:
 * chDB cannot cancel a running query (a client that goes away does not stop
 * it) and runs one query at a time per store, so an endless
 * `SELECT * FROM system.numbers` would stall the store, ingestion included.
 * Results are also held in memory before they are sent.
 */
export interface QueryLimits {
  /** max_execution_time, in seconds; a request may ask for less, not more. */
  readonly maxExecutionTimeSeconds: number;
  /** max_result_bytes; a request may ask for less, not more. */
  readonly maxResultBytes: number;
}

export const DEFAULT_QUERY_LIMITS: QueryLimits = {
  maxExecutionTimeSeconds: 60,
  maxResultBytes: 256 * 1024 * 1024,
};

/**
 * Puts the caps into a merged settings list (keyed by lower-case name): a
 * requested value is kept when it is within the cap, and overflow always
 * throws (`break` could overshoot the cap by far).
 */
export function applyLimits(settings: Map<string, SettingAssignment>, limits: QueryLimits): void {
  cap(settings, 'max_execution_time', limits.maxExecutionTimeSeconds);
  cap(settings, 'max_result_bytes', limits.maxResultBytes);
  settings.delete('result_overflow_mode');
  settings.set('result_overflow_mode', { name: 'result_overflow_mode', value: "'throw'" });
}

function cap(settings: Map<string, SettingAssignment>, name: string, limit: number): void {
  const requested = numericValue(settings.get(name)?.value);
  const value = requested !== undefined && requested > 0 && requested <= limit ? requested : limit;
  settings.delete(name);
  settings.set(name, { name, value: String(value) });
}

/** The number a setting value (SQL literal, maybe quoted) stands for, if any. */
function numericValue(sql: string | undefined): number | undefined {
  if (sql === undefined) return undefined;
  const text = sql.replace(/^'(.*)'$/s, '$1').trim();
  if (!/^\+?\d+(\.\d+)?$/.test(text)) return undefined;
  return Number(text);
}
