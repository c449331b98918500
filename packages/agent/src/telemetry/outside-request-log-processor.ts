import type { Context } from '@opentelemetry/api';
import type { LogRecordProcessor, SdkLogRecord } from '@opentelemetry/sdk-logs';
import { outsideRequest } from './outside-request.ts';

/**
 * A log record processor run in the context of no request (see
 * outsideRequest): the SDK's BatchLogRecordProcessor starts its timer, and
 * flushes a full batch, from `onEmit`, which the application calls inside its
 * requests. The whole `onEmit` is wrapped, one context switch per record,
 * since which call starts the timer is the SDK's internal. With a log line
 * per request on Node.js 24, 0.28-0.30% of what the agent allocated survived
 * scavenges without it, 0.039% with it. The record already holds its trace
 * and span ids; the processor does not read the context.
 */
export class OutsideRequestLogProcessor implements LogRecordProcessor {
  constructor(private readonly inner: LogRecordProcessor) {}

  onEmit(record: SdkLogRecord, recordContext?: Context): void {
    outsideRequest(() => this.inner.onEmit(record, recordContext));
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}
