/** A rate per second at a precision that fits its size: 0, 0.011/s, 1.25/s, 42/s, 1.2k/s. */
export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond) || perSecond <= 0) return '0/s';
  if (perSecond >= 10_000) return `${(perSecond / 1000).toFixed(1)}k/s`;
  if (perSecond >= 100) return `${Math.round(perSecond)}/s`;
  if (perSecond >= 1) return `${perSecond.toFixed(perSecond >= 10 ? 1 : 2)}/s`;
  // Below one a second the first significant digits matter: 0.011/s, not 0.01/s.
  return `${Number(perSecond.toPrecision(2))}/s`;
}

/*
 * Short forms for chart axes, which have room for about six characters; the chart's title
 * carries the unit where the number drops it.
 */

/** A rate per second without the unit: 0.025, 1.5, 42, 1.2k. */
export function formatRateTick(perSecond: number): string {
  if (!Number.isFinite(perSecond) || perSecond === 0) return '0';
  if (perSecond >= 10_000) return `${Number((perSecond / 1000).toPrecision(3))}k`;
  return String(Number(perSecond.toPrecision(3)));
}

/** A duration in ms, short: 500µs, 2.5ms, 50ms, 1.2s, 90s. */
export function formatDurationTick(ms: number): string {
  if (!Number.isFinite(ms) || ms === 0) return '0';
  if (ms < 1) return `${Math.round(ms * 1000)}µs`;
  if (ms < 1000) return `${Number(ms.toPrecision(ms < 10 ? 2 : 3))}ms`;
  return `${Number((ms / 1000).toPrecision(2))}s`;
}
