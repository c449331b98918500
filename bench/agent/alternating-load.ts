import autocannon from 'autocannon';
import { cpuSeconds, rssBytes } from '../support/process-stats.ts';
import { mean } from '../support/stats.ts';

/**
 * Load in alternating slices: every app (uninstrumented, under each agent)
 * runs at once, alone on the same CPU, and the load generator saturates one
 * at a time, a short slice each, in turn (the order rotated every cycle),
 * for many cycles. This VM's speed drifts by up to 30% within a minute (the
 * same uninstrumented app served 186 and 254 us per request in consecutive
 * 4-second runs): measured one after the other, each app gets a different
 * machine, and a single comparison moved by +-25 us per request. In slices
 * of a second, the drift touches every app alike, and what is compared is
 * how each fares within the same cycles.
 */
export interface SliceTarget {
  readonly name: string;
  readonly pid: number;
  readonly port: number;
}

export interface Slice {
  /** Requests answered over the slice's length (wall clock, connection set-up included). */
  readonly rps: number;
  /** The app's CPU time per request (all its threads, /proc), microseconds. */
  readonly cpuUsPerRequest: number;
  /** The app's CPU use during the slice (100 = one core). */
  readonly cpuPct: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly errors: number;
  /** The app's resident set size at the slice's end, MiB. */
  readonly rssMb: number;
}

export interface AlternatingOptions {
  readonly path: string;
  readonly cycles: number;
  readonly sliceSeconds: number;
  readonly connections: number;
}

/** Each target's slices, in cycle order. */
export async function alternatingLoad(
  targets: readonly SliceTarget[],
  options: AlternatingOptions,
): Promise<Map<string, Slice[]>> {
  const slices = new Map<string, Slice[]>(targets.map((t) => [t.name, []]));
  for (let cycle = 0; cycle < options.cycles; cycle++) {
    for (let i = 0; i < targets.length; i++) {
      const target = targets[(cycle + i) % targets.length]!;
      slices.get(target.name)!.push(await loadSlice(target, options));
    }
  }
  return slices;
}

async function loadSlice(target: SliceTarget, options: AlternatingOptions): Promise<Slice> {
  const cpu0 = cpuSeconds(target.pid);
  const t0 = performance.now();
  const r = await autocannon({
    url: `http://127.0.0.1:${target.port}${options.path}`,
    connections: options.connections,
    duration: options.sliceSeconds,
  });
  const elapsedMs = performance.now() - t0;
  const cpu = 1000 * (cpuSeconds(target.pid) - cpu0); // ms
  const requests = Math.max(1, r.requests.total);
  return {
    rps: (1000 * r.requests.total) / elapsedMs,
    cpuUsPerRequest: (1000 * cpu) / requests,
    cpuPct: (100 * cpu) / elapsedMs,
    p50Us: r.latency.p50 * 1000,
    p99Us: r.latency.p99 * 1000,
    errors: r.errors + r.non2xx,
    rssMb: rssBytes(target.pid) / 2 ** 20,
  };
}

/**
 * A variant against the baseline over the same cycles: throughput loss (from the total requests
 * over the total time of each), CPU time per request added, and the spread of the per-cycle losses
 * (their interquartile range), which shows how far one cycle's reading can be trusted.
 */
export function compareSlices(variant: readonly Slice[], baseline: readonly Slice[]) {
  const n = Math.min(variant.length, baseline.length);
  const losses: number[] = [];
  for (let i = 0; i < n; i++) losses.push(100 * (1 - variant[i]!.rps / baseline[i]!.rps));
  const sorted = [...losses].sort((a, b) => a - b);
  const cpuUs = (s: readonly Slice[]) =>
    mean(s.map((x) => x.cpuUsPerRequest * x.rps)) / mean(s.map((x) => x.rps));
  return {
    lossPct: 100 * (1 - mean(variant.map((s) => s.rps)) / mean(baseline.map((s) => s.rps))),
    lossIqrPct: [sorted[Math.floor(n / 4)]!, sorted[Math.floor((3 * n) / 4)]!] as const,
    cpuUsPerRequest: cpuUs(variant),
    addedCpuUs: cpuUs(variant) - cpuUs(baseline),
    lossAtFullCpuPct: 100 * (1 - cpuUs(baseline) / cpuUs(variant)),
  };
}
