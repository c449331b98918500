import {
  TraceFlags,
  isSpanContextValid,
  trace,
  type Attributes,
  type Context,
  type Link,
  type SpanKind,
} from '@opentelemetry/api';
import {
  ParentBasedSampler,
  SamplingDecision,
  TraceIdRatioBasedSampler,
  type Sampler,
  type SamplingResult,
} from '@opentelemetry/sdk-trace-base';
import type { ConfigStore } from '../config/config-store.ts';

/**
 * Parent-based head sampling whose ratio follows the live configuration: new
 * traces are kept with probability `sampling.ratio`, children follow their
 * parent. Kept root spans record SampleRate = 1/ratio (ClickStack's
 * SampleRate column), so counts can be re-weighted.
 */
const KEEP: SamplingResult = Object.freeze({ decision: SamplingDecision.RECORD_AND_SAMPLED });
const DROP: SamplingResult = Object.freeze({ decision: SamplingDecision.NOT_RECORD });

export class LiveRatioSampler implements Sampler {
  #ratio = -1;
  #delegate: Sampler = new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(1) });

  constructor(private readonly config: ConfigStore) {}

  shouldSample(
    context: Context,
    traceId: string,
    spanName: string,
    spanKind: SpanKind,
    attributes: Attributes,
    links: Link[],
  ): SamplingResult {
    const ratio = this.config.current.sampling.ratio;
    if (ratio === 1) {
      // The common case, without allocations: keep new traces, follow the parent's decision.
      const parent = trace.getSpanContext(context);
      if (!parent || !isSpanContextValid(parent) || (parent.traceFlags & TraceFlags.SAMPLED) !== 0)
        return KEEP;
      return DROP;
    }
    if (ratio !== this.#ratio) {
      this.#ratio = ratio;
      this.#delegate = new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
    }
    const result = this.#delegate.shouldSample(context, traceId, spanName, spanKind, attributes, links);
    if (ratio < 1 && ratio > 0 && result.decision !== SamplingDecision.NOT_RECORD)
      return { ...result, attributes: { ...result.attributes, SampleRate: Math.round(1 / ratio) } };
    return result;
  }

  toString(): string {
    return `LiveRatioSampler{${this.config.current.sampling.ratio}}`;
  }
}
