import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { ProtobufLogsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import {
  AggregationTemporality,
  type PushMetricExporter,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { OtlpHttpTransport, type TransportOptions } from './otlp-http-transport.ts';

/**
 * Log records and metrics over OTLP/HTTP protobuf: the upstream serializers
 * (these signals are not per request, so their cost does not matter), sent by
 * the agent's transport instead of the upstream exporters', whose ref'd retry
 * timers held an application's exit for the whole export timeout when the
 * gateway was unreachable (see otlp-http-transport.ts).
 */
abstract class SignalExporter<T> {
  readonly transport: OtlpHttpTransport;

  constructor(options: TransportOptions) {
    this.transport = new OtlpHttpTransport(options);
  }

  protected abstract serialize(items: T): Uint8Array | undefined;

  export(items: T, done: (result: ExportResult) => void): void {
    let body: Uint8Array | undefined;
    try {
      body = this.serialize(items);
    } catch (err) {
      done({ code: ExportResultCode.FAILED, error: err as Error });
      return;
    }
    if (!body) {
      done({ code: ExportResultCode.FAILED, error: new Error('the records could not be serialized') });
      return;
    }
    this.transport.send(body, done);
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return this.transport.shutdown();
  }
}

export class OtlpHttpLogExporter extends SignalExporter<ReadableLogRecord[]> implements LogRecordExporter {
  protected serialize(records: ReadableLogRecord[]): Uint8Array | undefined {
    return ProtobufLogsSerializer.serializeRequest(records);
  }
}

export class OtlpHttpMetricExporter extends SignalExporter<ResourceMetrics> implements PushMetricExporter {
  protected serialize(metrics: ResourceMetrics): Uint8Array | undefined {
    return ProtobufMetricsSerializer.serializeRequest(metrics);
  }

  /** Cumulative, as the upstream OTLP exporter's default. */
  selectAggregationTemporality(): AggregationTemporality {
    return AggregationTemporality.CUMULATIVE;
  }
}
