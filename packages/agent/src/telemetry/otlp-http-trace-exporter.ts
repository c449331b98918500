import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { context } from '@opentelemetry/api';
import { ExportResultCode, suppressTracing, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { ProtobufWriter } from './protobuf-writer.ts';
import { encodeTraceRequest } from './trace-encoder.ts';

export interface TraceExporterOptions {
  /** The full URL, e.g. http://127.0.0.1:4318/v1/traces. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Total time for one batch, retries included. */
  readonly timeoutMs: number;
}

const RETRYABLE = new Set([429, 502, 503, 504]);

/**
 * OTLP/HTTP protobuf span exporter with the agent's own encoder (about 4x
 * cheaper than the upstream serializer on the application's thread) and a
 * keep-alive connection. A batch is retried with backoff on 429/502/503/504
 * and on network errors (honouring Retry-After) until `timeoutMs`; then it
 * fails and the caller counts it. Its requests run with tracing suppressed.
 */
export class OtlpHttpTraceExporter implements SpanExporter {
  readonly #url: URL;
  readonly #agent: HttpAgent;
  readonly #writer = new ProtobufWriter();
  readonly #headers: Record<string, string>;
  #shutdown = false;

  constructor(private readonly options: TraceExporterOptions) {
    this.#url = new URL(options.url);
    const https = this.#url.protocol === 'https:';
    this.#agent = https
      ? new HttpsAgent({ keepAlive: true, maxSockets: 2 })
      : new HttpAgent({ keepAlive: true, maxSockets: 2 });
    this.#headers = { ...options.headers, 'content-type': 'application/x-protobuf' };
  }

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    if (this.#shutdown) {
      done({ code: ExportResultCode.FAILED, error: new Error('exporter shut down') });
      return;
    }
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

  /**
   * Sends an encoded ExportTraceServiceRequest, with the retries described
   * above; `done` is called once. For callers that encode spans themselves.
   */
  send(body: Buffer, done: (result: ExportResult) => void): void {
    if (this.#shutdown) {
      done({ code: ExportResultCode.FAILED, error: new Error('exporter shut down') });
      return;
    }
    const deadline = Date.now() + this.options.timeoutMs;
    let attempt = 0;
    const send = () => {
      this.post(body, deadline - Date.now(), (status, retryAfterMs, error) => {
        if (status >= 200 && status < 300) return done({ code: ExportResultCode.SUCCESS });
        const retryable = error !== undefined || RETRYABLE.has(status);
        const wait = retryAfterMs ?? Math.min(5000, 250 * 2 ** attempt++) * (0.5 + Math.random() / 2);
        if (!retryable || this.#shutdown || Date.now() + wait >= deadline) {
          return done({
            code: ExportResultCode.FAILED,
            error: error ?? new Error(`the gateway answered ${status}`),
          });
        }
        setTimeout(send, wait).unref();
      });
    };
    send();
  }

  private post(
    body: Buffer,
    timeoutMs: number,
    callback: (status: number, retryAfterMs: number | undefined, error?: Error) => void,
  ): void {
    let finished = false;
    const finish = (status: number, retryAfterMs: number | undefined, error?: Error) => {
      if (finished) return;
      finished = true;
      callback(status, retryAfterMs, error);
    };
    context.with(suppressTracing(context.active()), () => {
      const request = (this.#url.protocol === 'https:' ? httpsRequest : httpRequest)(
        this.#url,
        {
          method: 'POST',
          agent: this.#agent,
          headers: { ...this.#headers, 'content-length': String(body.length) },
          timeout: Math.max(100, timeoutMs),
        },
        (response) => {
          response.resume();
          response.on('end', () => {
            const retryAfter = Number(response.headers['retry-after']);
            finish(response.statusCode ?? 0, Number.isFinite(retryAfter) ? retryAfter * 1000 : undefined);
          });
          response.on('error', (err) => finish(0, undefined, err));
        },
      );
      request.on('timeout', () => request.destroy(new Error('export timed out')));
      request.on('error', (err) => finish(0, undefined, err));
      request.end(body);
    });
  }

  shutdown(): Promise<void> {
    this.#shutdown = true;
    this.#agent.destroy();
    return Promise.resolve();
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
}
