/** A labelled instant on a trace's time axis. */
export interface Tick {
  readonly ns: number;
  /** Where it falls in the window, 0..1. */
  readonly fraction: number;
  readonly label: string;
}

const UNITS = [
  { ns: 1e9, suffix: 's' },
  { ns: 1e6, suffix: 'ms' },
  { ns: 1e3, suffix: 'µs' },
  { ns: 1, suffix: 'ns' },
] as const;

/**
 * Ticks at round offsets (1, 2 or 5 times a power of ten) across [startNs, endNs], at most
 * about `maxTicks` of them, all labelled in the same unit so they read as a scale.
 */
export function timeTicks(startNs: number, endNs: number, maxTicks: number): Tick[] {
  const span = endNs - startNs;
  if (!(span > 0) || maxTicks < 1) return [];
  const step = niceStep(span / maxTicks);
  const magnitude = Math.max(Math.abs(startNs), Math.abs(endNs));
  const out: Tick[] = [];
  for (let k = Math.ceil(startNs / step); k * step <= endNs; k++) {
    const ns = k * step;
    out.push({ ns, fraction: (ns - startNs) / span, label: formatOffsetNs(ns, step, magnitude) });
  }
  return out;
}

/** The smallest of 1, 2, 5 x 10^k nanoseconds that is at least `raw` (and at least 1ns). */
export function niceStep(raw: number): number {
  if (!(raw > 1)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * magnitude >= raw) return m * magnitude;
  return 10 * magnitude;
}

/**
 * An offset from the trace's start in the unit of `magnitudeNs` (the largest value shown
 * alongside), with the decimals that `stepNs` (the precision that matters) needs:
 * `0ms`, `12.4ms`, `1.5s`, `850µs`.
 */
export function formatOffsetNs(
  ns: number,
  stepNs = Math.abs(ns),
  magnitudeNs = Math.max(Math.abs(ns), stepNs),
): string {
  const unit = UNITS.find((u) => magnitudeNs >= u.ns) ?? UNITS[UNITS.length - 1]!;
  const decimals =
    stepNs > 0 ? Math.min(3, Math.max(0, -Math.floor(Math.log10(stepNs / unit.ns) + 1e-9))) : 0;
  const text = (ns / unit.ns).toFixed(decimals);
  return `${/^-0(\.0+)?$/.test(text) ? text.slice(1) : text}${unit.suffix}`;
}
