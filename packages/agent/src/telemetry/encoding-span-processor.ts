import { TraceFlags } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult, type InstrumentationScope } from '@opentelemetry/core';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ExportStats } from './export-stats.ts';
import { ProtobufWriter } from './protobuf-writer.ts';
import { writeAttributes } from './attribute-encoding.ts';
import { writeSpan } from './trace-encoder.ts';

export interface EncodingProcessorOptions {
  /** Spans waiting or being sent, at most; beyond, new spans are dropped and counted. */
  maxQueueSize: number;
  /** Spans per export request. */
  maxBatchSize: number;
  /** A partial batch is sent this long after its first span. */
  scheduledDelayMs: number;
}

/** Where batches go (OtlpHttpTransport). */
export interface EncodedTraceSender {
  /** Sends one encoded ExportTraceServiceRequest, retrying as it sees fit; calls `done` once. */
  send(body: Buffer, done: (result: ExportResult) => void): void;
  shutdown(): Promise<void>;
}

type PendingResource = { asyncAttributesPending?: boolean; waitForAsyncAttributes?: () => Promise<void> };

/** Writers larger than this after a batch are replaced, so one burst does not pin its memory. */
const MAX_IDLE_WRITER_BYTES = 1 << 20;

/**
 * The batch span processor of the agent. Ended spans wait, unencoded, until
 * their batch goes: when `maxBatchSize` have ended, or `scheduledDelayMs`
 * after the first. The whole batch is then encoded to OTLP protobuf at once
 * (into one buffer per instrumentation scope, wrapped in one ResourceSpans)
 * and sent. Encoding a whole batch in one go is what makes it cheap in
 * place: the encoder's code and data stay in the CPU's caches for hundreds
 * of spans, and the application's own stay there between two batches.
 * Measured on the trivial route (bench:agent-perf, bench/agent/RESULTS.md):
 * 32 spans at a time cost 13-23 us more per request than 256 or 512, most of
 * it in the application's own code; one span at a time cost more still.
 * Bounded like the SDK's BatchSpanProcessor: spans waiting plus spans being
 * sent never exceed `maxQueueSize` (the rest are dropped and counted in
 * `stats`); at most `maxBatchSize` span objects wait, the rest of a slow
 * gateway's backlog is bytes.
 */
export class EncodingSpanProcessor implements SpanProcessor {
  readonly #scopes = new Map<InstrumentationScope, ProtobufWriter>();
  #sending = 0;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  /** Ended spans waiting for their batch. */
  #pending: ReadableSpan[] = [];
  #resourceSettled = false;
  #resourceReady: Promise<void> | undefined;
  readonly #inFlight = new Set<Promise<void>>();

  constructor(
    private readonly sender: EncodedTraceSender,
    private readonly options: EncodingProcessorOptions,
    private readonly stats: ExportStats,
  ) {}

  onStart(): void {}

  onEnd(span: ReadableSpan): void {
    if (this.#closed || (span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    const pending = this.#pending.length;
    if (pending + this.#sending >= this.options.maxQueueSize) {
      this.stats.droppedSpans++;
      return;
    }
    this.#pending.push(span);
    if (pending + 1 >= this.options.maxBatchSize) void this.#flush();
    else this.#scheduleFlush();
  }

  /** Starts the export timer, unless it runs: what is pending then goes scheduledDelayMs after the first span. */
  #scheduleFlush(): void {
    if (this.#timer) return;
    this.#timer = setTimeout(() => void this.#flush(), this.options.scheduledDelayMs);
    this.#timer.unref();
  }

  /** Sends what is pending; resolves when every request in flight has finished. */
  forceFlush(): Promise<void> {
    return this.#flush()
      .then(() => Promise.all([...this.#inFlight]))
      .then(() => undefined);
  }

  shutdown(): Promise<void> {
    const flushed = this.forceFlush();
    this.#closed = true;
    return flushed.then(() => this.sender.shutdown());
  }

  /** Sends the pending spans, maxBatchSize per request; resolves when they have been answered (or given up). */
  #flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pending.length === 0) return Promise.resolve();
    // Resource detectors may still be reading (host.id): the first batch waits for them, once.
    if (!this.#resourceSettled) {
      const resource = this.#pending[0]!.resource as PendingResource;
      if (resource.asyncAttributesPending && resource.waitForAsyncAttributes) {
        this.#resourceReady ??= resource
          .waitForAsyncAttributes()
          .catch(() => {})
          .then(() => {
            this.#resourceSettled = true;
            return this.#flush();
          });
        return this.#resourceReady;
      }
      this.#resourceSettled = true;
    }
    const spans = this.#pending;
    this.#pending = [];
    const sends: Array<Promise<void>> = [];
    for (let from = 0; from < spans.length; from += this.options.maxBatchSize)
      sends.push(this.#send(spans, from, Math.min(spans.length, from + this.options.maxBatchSize)));
    return sends.length === 1 ? sends[0]! : Promise.all(sends).then(() => undefined);
  }

  /** Encodes spans[from, to) as one request and sends it. */
  #send(spans: readonly ReadableSpan[], from: number, to: number): Promise<void> {
    let count = 0;
    for (let i = from; i < to; i++) if (this.#encode(spans[i]!)) count++;
    if (count === 0) return Promise.resolve();
    let body: Buffer;
    try {
      body = this.#assemble(spans[from]!.resource);
    } catch {
      this.stats.failedSpans += count;
      return Promise.resolve();
    }
    this.#sending += count;
    const done = new Promise<void>((resolve) => {
      try {
        this.sender.send(body, (result) => {
          this.#sending -= count;
          if (result.code === ExportResultCode.SUCCESS) this.stats.exportedSpans += count;
          else this.stats.failedSpans += count;
          resolve();
        });
      } catch {
        this.#sending -= count;
        this.stats.failedSpans += count;
        resolve();
      }
    });
    this.#inFlight.add(done);
    void done.then(() => this.#inFlight.delete(done));
    return done;
  }

  /** Writes one span into its scope's buffer; false when it cannot be encoded (it is left out, the batch stays valid). */
  #encode(span: ReadableSpan): boolean {
    const scope = span.instrumentationScope;
    let writer = this.#scopes.get(scope);
    if (!writer) this.#scopes.set(scope, (writer = new ProtobufWriter(16 * 1024)));
    const start = writer.pos;
    try {
      writeSpan(writer, span);
      return true;
    } catch {
      writer.pos = start;
      return false;
    }
  }

  /** ExportTraceServiceRequest { ResourceSpans { Resource, ScopeSpans* } } around the spans just encoded. */
  #assemble(resource: ReadableSpan['resource']): Buffer {
    let size = 1024;
    for (const writer of this.#scopes.values()) size += writer.pos + 512;
    const out = new ProtobufWriter(size);
    const rs = out.begin(1); // ResourceSpans
    const r = out.begin(1); // Resource
    writeAttributes(out, 1, resource.attributes);
    out.end(r);
    for (const [scope, writer] of this.#scopes) {
      if (writer.pos === 0) continue;
      const ss = out.begin(2); // ScopeSpans
      const sc = out.begin(1); // InstrumentationScope
      out.string(1, scope.name);
      out.string(2, scope.version ?? '');
      out.end(sc);
      out.raw(writer.finish());
      out.string(3, scope.schemaUrl ?? '');
      out.end(ss);
      if (writer.buf.length > MAX_IDLE_WRITER_BYTES) this.#scopes.set(scope, new ProtobufWriter(16 * 1024));
      else writer.reset();
    }
    out.end(rs);
    return out.finish();
  }
}
