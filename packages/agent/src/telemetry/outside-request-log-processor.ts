import { ROOT_CONTEXT, context, type Context } from '@opentelemetry/api';
import type { LogRecordProcessor, SdkLogRecord } from '@opentelemetry/sdk-logs';

/**
 * A log record processor run in the context of no request: the SDK's
 * BatchLogRecordProcessor starts its timer, and flushes a full batch, from
 * `onEmit`, which the application calls inside its requests; the timer, the
 * export's promises and what they schedule would carry that request's
 * context (its span, request and response) until the batch is answered.
 * With a log line per request that kept 0.30% of what the agent allocates
 * alive through young-generation collections on Node.js 24, as the span
 * batches did before EncodingSpanProcessor flushed outside the request
 * (bench/agent/RESULTS.md, twenty-second session). The record already holds
 * its trace and span ids; the processor does not read the context.
 */
export class OutsideRequestLogProcessor implements LogRecordProcessor {
  constructor(private readonly inner: LogRecordProcessor) {}

  onEmit(record: SdkLogRecord, recordContext?: Context): void {
    context.with(ROOT_CONTEXT, () => this.inner.onEmit(record, recordContext));
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}
