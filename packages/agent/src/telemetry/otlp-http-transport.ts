import { Agent as HttpAgent, request as httpRequest, type ClientRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { ROOT_CONTEXT, context } from '@opentelemetry/api';
import { ExportResultCode, suppressTracing, type ExportResult } from '@opentelemetry/core';

export interface TransportOptions {
  /** The full URL, e.g. http://127.0.0.1:4318/v1/traces. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Total time for one request body, retries included. */
  readonly timeoutMs: number;
}

const RETRYABLE = new Set([429, 502, 503, 504]);

/**
 * OTLP/HTTP protobuf delivery for the agent's exporters (traces, logs,
 * metrics): a keep-alive connection, retries with backoff on 429/502/503/504
 * and network errors (honouring Retry-After) until `timeoutMs`, requests run
 * with tracing suppressed. It never keeps the application alive: its retry
 * timers are unref'd, and once `close` is called (the application is
 * exiting) nothing is retried any more: a pending retry is attempted at once,
 * a failure is final, and requests (those in flight too) get at most the
 * closing grace period. The
 * SDK's processors hold their own (ref'd) timers while an export is pending,
 * so a transport that kept retrying an unreachable gateway would hold the exit
 * for the whole `timeoutMs`.
 */
export class OtlpHttpTransport {
  readonly #url: URL;
  readonly #agent: HttpAgent;
  readonly #headers: Record<string, string>;
  /** Retries waiting for their backoff: attempted at once when closing. */
  readonly #waiting = new Map<NodeJS.Timeout, () => void>();
  /** Requests sent and not yet answered: cut short at the end of the closing grace period. */
  readonly #inFlight = new Set<ClientRequest>();
  /** Set by close(): when requests must have finished. */
  #closingBy: number | undefined;
  #shutdown = false;

  constructor(private readonly options: TransportOptions) {
    this.#url = new URL(options.url);
    const https = this.#url.protocol === 'https:';
    this.#agent = https
      ? new HttpsAgent({ keepAlive: true, maxSockets: 2 })
      : new HttpAgent({ keepAlive: true, maxSockets: 2 });
    this.#headers = { ...options.headers, 'content-type': 'application/x-protobuf' };
  }

  /** Sends one encoded OTLP request body, with the retries described above; `done` is called once. */
  send(body: Uint8Array, done: (result: ExportResult) => void): void {
    if (this.#shutdown) {
      done({ code: ExportResultCode.FAILED, error: new Error('exporter shut down') });
      return;
    }
    const deadline = Date.now() + this.options.timeoutMs;
    let attempt = 0;
    const send = () => {
      const by = Math.min(deadline, this.#closingBy ?? deadline);
      this.#post(body, by - Date.now(), (status, retryAfterMs, error) => {
        if (status >= 200 && status < 300) return done({ code: ExportResultCode.SUCCESS });
        const retryable = error !== undefined || RETRYABLE.has(status);
        const wait = retryAfterMs ?? Math.min(5000, 250 * 2 ** attempt++) * (0.5 + Math.random() / 2);
        if (!retryable || this.#closingBy !== undefined || Date.now() + wait >= deadline) {
          return done({
            code: ExportResultCode.FAILED,
            error: error ?? new Error(`the gateway answered ${status}`),
          });
        }
        const timer = setTimeout(() => {
          this.#waiting.delete(timer);
          send();
        }, wait);
        timer.unref();
        this.#waiting.set(timer, send);
      });
    };
    send();
  }

  /**
   * The application is exiting: requests from now on (and the retries that
   * were waiting, attempted now) get one try, within `graceMs`.
   */
  close(graceMs: number): void {
    if (this.#closingBy !== undefined) return;
    this.#closingBy = Date.now() + graceMs;
    const cut = setTimeout(() => {
      for (const request of this.#inFlight) request.destroy(new Error('the application is exiting'));
    }, graceMs);
    cut.unref();
    const waiting = [...this.#waiting];
    this.#waiting.clear();
    for (const [timer, send] of waiting) {
      clearTimeout(timer);
      send();
    }
  }

  /** Refuses further sends and closes the connections (requests in flight fail). */
  shutdown(): Promise<void> {
    this.close(0);
    this.#shutdown = true;
    this.#agent.destroy();
    return Promise.resolve();
  }

  #post(
    body: Uint8Array,
    timeoutMs: number,
    callback: (status: number, retryAfterMs: number | undefined, error?: Error) => void,
  ): void {
    let finished = false;
    let request: ClientRequest | undefined;
    const finish = (status: number, retryAfterMs: number | undefined, error?: Error) => {
      if (finished) return;
      finished = true;
      if (request) this.#inFlight.delete(request);
      callback(status, retryAfterMs, error);
    };
    // With tracing suppressed, and none of the application's context (see outside-request.ts): the
    // request's sockets, timers and response would keep whatever request was active alive.
    context.with(suppressTracing(ROOT_CONTEXT), () => {
      request = (this.#url.protocol === 'https:' ? httpsRequest : httpRequest)(
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
      const sent = request;
      this.#inFlight.add(sent);
      sent.on('timeout', () => sent.destroy(new Error('export timed out')));
      sent.on('error', (err) => finish(0, undefined, err));
      sent.end(body);
    });
  }
}
