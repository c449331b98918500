import { PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { Session } from 'node:inspector/promises';
import type { Decode } from './decode-variant-at-ref.ts';

export interface Variant {
  readonly name: string;
  readonly decode: Decode;
}

export interface VariantResult {
  readonly name: string;
  /** ns per span of each timed round. */
  readonly roundNsPerSpan: number[];
  readonly medianNsPerSpan: number;
  readonly minNsPerSpan: number;
  /** Protobuf megabytes (10^6) decoded per second, at the median. */
  readonly megabytesPerSecond: number;
  /** Garbage collection time during the timed rounds, per million spans. */
  readonly gcMsPerMillionSpans: number;
  /** Bytes allocated per span on the JS heap, and outside it (Buffers; needs --expose-gc). */
  readonly heapBytesPerSpan: number;
  readonly externalBytesPerSpan: number | undefined;
}

interface Window {
  readonly variant: number;
  readonly start: number;
  readonly end: number;
}

/**
 * Times the variants on the same bodies in alternating rounds (the order
 * reversed every other round), so that a noisy, shared machine slows them
 * alike; reports per-variant medians. Each round decodes the bodies in turn
 * for `roundMs`. GC time is attributed to the variant whose round it fell in.
 */
export async function measureVariants(
  variants: readonly Variant[],
  bodies: readonly Buffer[],
  spansPerBody: number,
  o: { rounds: number; roundMs: number },
): Promise<VariantResult[]> {
  const bytesPerBody = bodies.reduce((n, b) => n + b.length, 0) / bodies.length;
  const gcEntries: PerformanceEntry[] = [];
  const observer = new PerformanceObserver((list) => gcEntries.push(...list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  for (const v of variants) for (let i = 0; i < 300; i++) v.decode(bodies[i % bodies.length]!); // warm up
  const rounds: number[][] = variants.map(() => []);
  const spans: number[] = variants.map(() => 0);
  const windows: Window[] = [];
  for (let round = 0; round < o.rounds; round++) {
    const order = variants.map((_, i) => i);
    if (round % 2 === 1) order.reverse();
    for (const v of order) {
      const decode = variants[v]!.decode;
      const start = performance.now();
      let n = 0;
      let now = start;
      for (let i = 0; now - start < o.roundMs; i++) {
        decode(bodies[i % bodies.length]!);
        n += spansPerBody;
        now = performance.now();
      }
      windows.push({ variant: v, start, end: now });
      rounds[v]!.push(((now - start) * 1e6) / n);
      spans[v]! += n;
      await new Promise((resolve) => setImmediate(resolve)); // lets the GC observer report
    }
  }
  const allocations = await measureAllocations(variants, bodies, spansPerBody, gcEntries);
  observer.disconnect();
  const gcMs = variants.map(() => 0);
  for (const e of gcEntries) {
    const w = windows.find((x) => e.startTime >= x.start && e.startTime < x.end);
    if (w) gcMs[w.variant]! += e.duration;
  }
  return variants.map((v, i) => {
    const sorted = [...rounds[i]!].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    return {
      name: v.name,
      roundNsPerSpan: rounds[i]!,
      medianNsPerSpan: median,
      minNsPerSpan: sorted[0]!,
      megabytesPerSecond: ((bytesPerBody / spansPerBody) * 1e9) / median / 1e6,
      gcMsPerMillionSpans: (gcMs[i]! * 1e6) / spans[i]!,
      heapBytesPerSpan: allocations[i]!.heap,
      externalBytesPerSpan: allocations[i]!.external,
    };
  });
}

/**
 * Bytes allocated per span by the variants. On the JS heap: V8's sampling
 * heap profiler, counting objects that were collected too, over 64 decodes.
 * Outside it (ArrayBuffers, i.e. Buffers): the growth of process.memoryUsage()
 * .arrayBuffers over one decode after a forced full GC, discarding samples
 * during which another GC ran; the median, less the cost of measuring. The
 * latter needs --expose-gc (undefined without it).
 */
async function measureAllocations(
  variants: readonly Variant[],
  bodies: readonly Buffer[],
  spansPerBody: number,
  gcEntries: readonly PerformanceEntry[],
): Promise<Array<{ heap: number; external: number | undefined }>> {
  const results: Array<{ heap: number; external: number | undefined }> = [];
  const overhead = await externalBytes(undefined, bodies, gcEntries);
  for (const v of variants) {
    const external = await externalBytes(v.decode, bodies, gcEntries);
    results.push({
      heap: (await sampledHeapBytes(v.decode, bodies)) / spansPerBody,
      external:
        external === undefined || overhead === undefined ? undefined : (external - overhead) / spansPerBody,
    });
  }
  return results;
}

/** JS heap bytes allocated per decode, by the sampling heap profiler (every 128 bytes on average). */
async function sampledHeapBytes(decode: Decode, bodies: readonly Buffer[]): Promise<number> {
  const session = new Session();
  session.connect();
  const calls = 64;
  try {
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: 128,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    for (let i = 0; i < calls; i++) decode(bodies[i % bodies.length]!);
    const { profile } = await session.post('HeapProfiler.stopSampling');
    let bytes = 0;
    const visit = (node: { selfSize: number; children: (typeof node)[] }) => {
      bytes += node.selfSize;
      node.children.forEach(visit);
    };
    visit(profile.head);
    return bytes / calls;
  } finally {
    session.disconnect();
  }
}

/** ArrayBuffer bytes allocated by one decode (the median of 16), or undefined without --expose-gc. */
async function externalBytes(
  decode: Decode | undefined,
  bodies: readonly Buffer[],
  gcEntries: readonly PerformanceEntry[],
): Promise<number | undefined> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return undefined;
  const samples = bodies.slice(0, 16).map((body) => {
    gc();
    const start = performance.now();
    const before = process.memoryUsage().arrayBuffers;
    decode?.(body);
    const after = process.memoryUsage().arrayBuffers;
    return { start, end: performance.now(), bytes: after - before };
  });
  await new Promise((resolve) => setTimeout(resolve, 20)); // the GC observer reports
  const clean = samples
    .filter((s) => !gcEntries.some((e) => e.startTime > s.start && e.startTime < s.end))
    .map((s) => s.bytes);
  return clean.sort((a, b) => a - b)[Math.floor(clean.length / 2)];
}
