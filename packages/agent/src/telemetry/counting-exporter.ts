import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';

/** What the agent exported and lost, for its own metrics and for tests. */
export interface ExportStats {
  exportedSpans: number;
  /** Spans the exporter gave up on (gateway down past the exporter's retries). */
  failedSpans: number;
  /** Spans dropped because the in-memory buffer was full (read from the batch processor). */
  droppedSpans: number;
}

/** Counts what passes through a span exporter; never changes the outcome. */
export class CountingSpanExporter implements SpanExporter {
  constructor(
    private readonly inner: SpanExporter,
    private readonly stats: ExportStats,
  ) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.inner.export(spans, (result) => {
      if (result.code === ExportResultCode.SUCCESS) this.stats.exportedSpans += spans.length;
      else this.stats.failedSpans += spans.length;
      done(result);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

/**
 * In front of the batch processor: counts the spans it is about to drop
 * because its queue is full (the SDK only logs a count that it then resets).
 * Reads the processor's queue length, an internal field; if that ever moves,
 * the count stays 0 and nothing else changes.
 */
export class DropCountingProcessor implements SpanProcessor {
  constructor(
    private readonly batch: SpanProcessor,
    private readonly maxQueueSize: number,
    private readonly stats: ExportStats,
  ) {}

  onStart(span: Span, parentContext: Context): void {
    this.batch.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    const queue = (this.batch as unknown as { _finishedSpans?: unknown[] })._finishedSpans;
    if (queue && queue.length >= this.maxQueueSize) this.stats.droppedSpans++;
    this.batch.onEnd(span);
  }

  forceFlush(): Promise<void> {
    return this.batch.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.batch.shutdown();
  }
}
