import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';

/**
 * A span processor that keeps each span as it ends, and as it starts (with
 * its parent context) when `keepStarts` (a test of garbage collection must not
 * have its spans held from their start). The SDK's SimpleSpanProcessor would
 * hand ended spans to its exporter only once their resource's asynchronous
 * attributes settle.
 */
export class SpanCollector implements SpanProcessor {
  readonly started: Array<{ span: Span; context: Context }> = [];
  readonly ended: ReadableSpan[] = [];

  constructor(private readonly keepStarts = false) {}

  onStart(span: Span, context: Context): void {
    if (this.keepStarts) this.started.push({ span, context });
  }

  onEnd(span: ReadableSpan): void {
    this.ended.push(span);
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
