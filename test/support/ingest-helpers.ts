import { Client, Metadata, credentials, type ChannelOptions, type ServiceError } from '@grpc/grpc-js';
import { randomBytes } from 'node:crypto';

/** Shared helpers for the ingest edge-case tests: raw OTLP requests over HTTP and gRPC. */

export const GRPC_PATHS = {
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
} as const;

export interface GrpcResult {
  readonly error: ServiceError | null;
  readonly response: Buffer | undefined;
}

/** A gRPC client that sends pre-encoded protobuf bytes (identity serializers), as an OTLP exporter would. */
export function rawGrpcClient(address: string, options: ChannelOptions = {}) {
  const client = new Client(address, credentials.createInsecure(), options);
  const identity = (b: Buffer) => b;
  return {
    export(path: string, body: Buffer, headers: Record<string, string> = {}): Promise<GrpcResult> {
      const metadata = new Metadata();
      for (const [k, v] of Object.entries(headers)) metadata.set(k, v);
      return new Promise((resolve) => {
        client.makeUnaryRequest(
          path,
          identity,
          identity,
          body,
          metadata,
          { deadline: Date.now() + 15_000 },
          (error, response) => resolve({ error: error ?? null, response }),
        );
      });
    },
    close(): void {
      client.close();
    },
  };
}

/** Random valid ids, so each test's data is distinguishable. */
export const newTraceId = () => randomBytes(16).toString('hex');
export const newSpanId = () => randomBytes(8).toString('hex');

/**
 * A round test time: the start of the previous UTC hour, in Unix seconds. Test
 * data must be recent: rows older than the retention TTL are dropped on insert.
 */
export const T = Math.floor(Date.now() / 3_600_000) * 3600 - 3600;
/** T in Unix nanoseconds (as a decimal string), and plus `ns`. */
export const T_NANOS = `${T}000000000`;
export const nanosAfterT = (ns: bigint | number): string =>
  (BigInt(T) * 1_000_000_000n + BigInt(ns)).toString();

/** ClickHouse's text of a DateTime64(9) (UTC), for Unix seconds + nanoseconds. */
export function chDateTime64(seconds: number, nanos = 0): string {
  return `${chDateTime(seconds)}.${String(nanos).padStart(9, '0')}`;
}

/** ClickHouse's text of a DateTime (UTC). */
export function chDateTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 19).replace('T', ' ');
}

/** An OTLP/JSON span. */
export function jsonSpan(name: string, ids: { traceId?: string; spanId?: string } = {}): object {
  return {
    traceId: ids.traceId ?? newTraceId(),
    spanId: ids.spanId ?? newSpanId(),
    name,
    kind: 'SPAN_KIND_SERVER',
    startTimeUnixNano: T_NANOS,
    endTimeUnixNano: nanosAfterT(1_000_000),
  };
}

/** An OTLP/JSON ExportTraceServiceRequest for one service. */
export function jsonTraces(service: string, spans: object[]): object {
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [{ scope: { name: 'edge-cases' }, spans }],
      },
    ],
  };
}
