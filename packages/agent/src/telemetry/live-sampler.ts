import {
  TraceFlags,
  trace,
  type Attributes,
  type Context,
  type Link,
  type SpanKind,
} from '@opentelemetry/api';
import {
  SamplingDecision,
  TraceIdRatioBasedSampler,
  type Sampler,
  type SamplingResult,
} from '@opentelemetry/sdk-trace-base';
import type { ConfigStore } from '../config/config-store.ts';
import { isValidSpanContext, type NewTraceSampler } from './recording-span.ts';

/**
 * Parent-based head sampling whose ratio follows the live configuration: new
 * traces are kept with probability `sampling.ratio`, children follow their
 * parent. Kept spans record SampleRate = 1/ratio (ClickStack's SampleRate
 * column), so counts can be re-weighted.
 *
 * The decisions are those of the SDK's ParentBasedSampler around a
 * TraceIdRatioBasedSampler (a test compares them; at ratio 1 a new trace is
 * kept without checking its id, which the agent made), without the result
 * objects and the copy that added SampleRate: a parent's decision is followed
 * here, and a new trace's id is numbered by the SDK's TraceIdRatioBasedSampler,
 * or, for the agent's own spans, from the id's bytes (sampleNewTrace). The
 * control plane lowers the ratio when a service is healthy, and reading the
 * id's 32 hex characters (a sliced string) to validate and number it cost
 * ~3.5 K instructions per request then (bench:agent-instructions at ratio
 * 0.1, seventeenth session).
 */
const KEEP: SamplingResult = Object.freeze({ decision: SamplingDecision.RECORD_AND_SAMPLED });
const DROP: SamplingResult = Object.freeze({ decision: SamplingDecision.NOT_RECORD });

export class LiveRatioSampler implements Sampler, NewTraceSampler {
  /** The ratio `#weighted`, `#upperBound` and `#root` are for. */
  #ratio = -1;
  #weighted: SamplingResult = KEEP;
  #upperBound = 0;
  #root = new TraceIdRatioBasedSampler(1);

  constructor(private readonly config: ConfigStore) {}

  shouldSample(
    context: Context,
    traceId: string,
    _spanName: string,
    _spanKind: SpanKind,
    _attributes: Attributes,
    _links: Link[],
  ): SamplingResult {
    const ratio = this.config.current.sampling.ratio;
    if (ratio !== this.#ratio) this.#setRatio(ratio);
    const parent = trace.getSpanContext(context);
    if (parent && isValidSpanContext(parent))
      return (parent.traceFlags & TraceFlags.SAMPLED) !== 0 ? this.#weighted : DROP;
    if (ratio >= 1) return KEEP;
    const root = this.#root.shouldSample(context, traceId);
    return root.decision === SamplingDecision.NOT_RECORD ? DROP : this.#weighted;
  }

  /**
   * shouldSample's decision for a new trace (no valid parent) whose id is
   * `bytes[at, at + 16)`: TraceIdRatioBasedSampler's number for it is its
   * four big-endian 32-bit words XORed, kept below `#upperBound`. The agent's
   * ids are never all zero (valid).
   */
  sampleNewTrace(bytes: Uint8Array, at: number): SamplingResult {
    const ratio = this.config.current.sampling.ratio;
    if (ratio !== this.#ratio) this.#setRatio(ratio);
    if (ratio >= 1) return KEEP;
    let accumulation = 0;
    for (let i = at; i < at + 16; i += 4)
      accumulation =
        (accumulation ^
          ((bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!)) >>>
        0;
    return accumulation < this.#upperBound ? this.#weighted : DROP;
  }

  /** The kept result for `ratio` (frozen and shared: its readers copy the attributes), and the bound. */
  #setRatio(ratio: number): void {
    this.#ratio = ratio;
    this.#weighted =
      ratio > 0 && ratio < 1
        ? Object.freeze({ ...KEEP, attributes: Object.freeze({ SampleRate: Math.round(1 / ratio) }) })
        : KEEP;
    // TraceIdRatioBasedSampler's bound (@opentelemetry/sdk-trace-base), for the byte path.
    this.#upperBound = ratio >= 1 ? 2 ** 32 : ratio <= 0 ? 0 : Math.floor(ratio * 0xffffffff);
    this.#root = new TraceIdRatioBasedSampler(ratio);
  }

  toString(): string {
    return `LiveRatioSampler{${this.config.current.sampling.ratio}}`;
  }
}
