import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { OtlpHttpTransport, type TransportOptions } from './otlp-http-transport.ts';
import { ProtobufWriter } from './protobuf-writer.ts';
import { encodeTraceRequest } from './trace-encoder.ts';

export type TraceExporterOptions = TransportOptions;

/**
 * OTLP/HTTP protobuf span exporter with the agent's own encoder (about 4x
 * cheaper than the upstream serializer on the application's thread), sent by
 * the agent's transport (retries, never holding the application's exit: see
 * otlp-http-transport.ts).
 */
export class OtlpHttpTraceExporter implements SpanExporter {
  readonly #writer = new ProtobufWriter();
  readonly transport: OtlpHttpTransport;

  constructor(options: TraceExporterOptions) {
    this.transport = new OtlpHttpTransport(options);
  }

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    let body: Buffer;
    try {
      // Copied out: the writer's buffer is reused by the next batch while this one may be retried.
      body = Buffer.from(encodeTraceRequest(spans, this.#writer));
    } catch (err) {
      done({ code: ExportResultCode.FAILED, error: err as Error });
      return;
    }
    this.send(body, done);
  }

  /** Sends an encoded ExportTraceServiceRequest; `done` is called once. For callers that encode spans themselves. */
  send(body: Buffer, done: (result: ExportResult) => void): void {
    this.transport.send(body, done);
  }

  shutdown(): Promise<void> {
    return this.transport.shutdown();
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
}
