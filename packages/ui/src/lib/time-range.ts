/**
 * Time ranges as they appear in URLs: `from`/`to` are either relative
 * (`now`, `now-15m`, `now-2h`, `now-7d`) or absolute epoch milliseconds. Relative
 * ranges are resolved at each refresh, so a shared link to "the last hour"
 * stays the last hour; absolute ranges (from a zoom) stay put.
 */
export interface UrlRange {
  readonly from: string;
  readonly to: string;
}

export interface ResolvedRange {
  readonly fromMs: number;
  readonly toMs: number;
}

export const DEFAULT_RANGE: UrlRange = { from: 'now-15m', to: 'now' };

export const RELATIVE_PRESETS: ReadonlyArray<{ label: string; from: string }> = [
  { label: 'Last 5 minutes', from: 'now-5m' },
  { label: 'Last 15 minutes', from: 'now-15m' },
  { label: 'Last 1 hour', from: 'now-1h' },
  { label: 'Last 4 hours', from: 'now-4h' },
  { label: 'Last 24 hours', from: 'now-24h' },
  { label: 'Last 7 days', from: 'now-7d' },
  { label: 'Last 30 days', from: 'now-30d' },
];

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const RELATIVE = /^now(?:-(\d+)([smhdw]))?$/;

/** Milliseconds of one bound, or undefined when it is neither relative nor a number nor ISO-8601. */
export function resolveBound(bound: string, nowMs: number): number | undefined {
  const rel = RELATIVE.exec(bound);
  if (rel) return rel[1] ? nowMs - Number(rel[1]) * UNIT_MS[rel[2]!]! : nowMs;
  if (/^\d{10,16}$/.test(bound)) return Number(bound);
  const parsed = Date.parse(bound);
  return Number.isNaN(parsed) ? undefined : parsed;
}

/** Resolves a URL range; unreadable bounds fall back to the default range. */
export function resolveRange(range: UrlRange, nowMs: number): ResolvedRange {
  const fromMs = resolveBound(range.from, nowMs);
  const toMs = resolveBound(range.to, nowMs);
  if (fromMs === undefined || toMs === undefined || fromMs >= toMs) {
    return resolveRange(DEFAULT_RANGE, nowMs);
  }
  return { fromMs, toMs };
}

export function isRelative(range: UrlRange): boolean {
  return RELATIVE.test(range.from) && RELATIVE.test(range.to);
}

/** A short label: the preset's name, or the two instants. */
export function describeRange(range: UrlRange, nowMs: number): string {
  if (range.to === 'now') {
    const preset = RELATIVE_PRESETS.find((p) => p.from === range.from);
    if (preset) return preset.label;
    const rel = RELATIVE.exec(range.from);
    if (rel?.[1]) return `Last ${rel[1]}${rel[2]}`;
  }
  const { fromMs, toMs } = resolveRange(range, nowMs);
  return `${formatInstant(fromMs)} → ${formatInstant(toMs)}`;
}

export function formatInstant(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** An absolute range in URL form (from a zoom or a picked date). */
export function absoluteRange(fromMs: number, toMs: number): UrlRange {
  return { from: String(Math.floor(fromMs)), to: String(Math.ceil(toMs)) };
}
