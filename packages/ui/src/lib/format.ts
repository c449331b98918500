/** Formatting shared by the views. */

/** A duration given in milliseconds, at a precision that fits its size: 840µs, 12.4ms, 3.20s, 2m 5s. */
export function formatDurationMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  if (ms < 1) return `${Math.round(ms * 1000)}µs`;
  if (ms < 100) return `${ms.toFixed(ms < 10 ? 2 : 1)}ms`;
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)}s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes}m ${Math.round((ms % 60_000) / 1000)}s`;
}

/** A duration in nanoseconds (the Duration column), as a string or number. */
export function formatDurationNs(ns: unknown): string {
  return formatDurationMs(Number(ns) / 1e6);
}

export function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)}B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return String(Math.round(n));
}

export function formatPercent(ratio: number): string {
  if (ratio === 0) return '0%';
  if (ratio < 0.001) return '<0.1%';
  return `${(ratio * 100).toFixed(ratio < 0.1 ? 1 : 0)}%`;
}

/** `2026-11-26T11:20:38.123456789Z` -> `11:20:38.123` in local time, with the date when not today. */
export function formatTimestamp(iso: unknown, nowMs = Date.now()): string {
  const s = String(iso);
  const ms = Date.parse(s);
  if (Number.isNaN(ms)) return s;
  const d = new Date(ms);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
  const today = new Date(nowMs);
  if (d.toDateString() === today.toDateString()) return time;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}`;
}

/** An instant at nanosecond precision: whole seconds since the epoch and nanoseconds within that second. */
export interface PreciseInstant {
  readonly seconds: number;
  readonly nanos: number;
}

/**
 * Parses an ISO timestamp with up to nine fractional digits. Epoch nanoseconds do not fit a
 * double exactly, so instants are kept as seconds + nanoseconds and compared by nsBetween().
 */
export function parsePreciseInstant(iso: unknown): PreciseInstant {
  const s = String(iso);
  const m = /^(.*?T\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:?\d\d)?$/.exec(s);
  if (!m) {
    const ms = Date.parse(s);
    return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 };
  }
  const seconds = Date.parse(m[1]! + (m[3] ?? 'Z')) / 1000;
  return { seconds, nanos: Number(((m[2] ?? '') + '000000000').slice(0, 9)) };
}

/** b - a in nanoseconds (exact for spans of up to about 100 days). */
export function nsBetween(a: PreciseInstant, b: PreciseInstant): number {
  return (b.seconds - a.seconds) * 1e9 + (b.nanos - a.nanos);
}

/** Any API value as display text: objects and arrays as JSON, null and undefined as ''. */
export function displayText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value as string | number | boolean | bigint);
}
