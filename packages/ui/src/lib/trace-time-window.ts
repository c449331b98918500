/** The part of a trace's time the waterfall shows, in nanoseconds from the trace's start. */
export interface TimeWindow {
  readonly startNs: number;
  readonly endNs: number;
}

/** Where an interval falls in the window, as fractions of its width; undefined when outside it. */
export function placeInWindow(
  startNs: number,
  endNs: number,
  window: TimeWindow,
): { left: number; width: number } | undefined {
  const span = window.endNs - window.startNs;
  if (!(span > 0) || endNs < window.startNs || startNs > window.endNs) return undefined;
  const left = Math.max(0, (startNs - window.startNs) / span);
  const right = Math.min(1, (endNs - window.startNs) / span);
  return { left, width: Math.max(0, right - left) };
}

/**
 * The window between two fractions of the whole trace (a minimap drag, either direction),
 * no narrower than `minNs` (so a click-sized drag still shows something), inside the trace.
 */
export function windowBetween(a: number, b: number, durationNs: number, minNs = 1000): TimeWindow {
  const lo = Math.min(a, b) * durationNs;
  const hi = Math.max(a, b) * durationNs;
  const width = Math.min(durationNs, Math.max(hi - lo, minNs));
  const centre = (lo + hi) / 2;
  return clampWindow(centre - width / 2, width, durationNs);
}

/** The same width centred on a fraction of the trace, kept inside it. */
export function centreWindow(window: TimeWindow, fraction: number, durationNs: number): TimeWindow {
  const width = window.endNs - window.startNs;
  return clampWindow(fraction * durationNs - width / 2, width, durationNs);
}

export function isWholeTrace(window: TimeWindow, durationNs: number): boolean {
  return window.startNs <= 0 && window.endNs >= durationNs;
}

function clampWindow(startNs: number, width: number, durationNs: number): TimeWindow {
  const start = Math.min(Math.max(0, startNs), Math.max(0, durationNs - width));
  return { startNs: start, endNs: start + width };
}
