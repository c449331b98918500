import { TraceFlags } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult, type InstrumentationScope } from '@opentelemetry/core';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ExportStats } from './export-stats.ts';
import { ProtobufWriter } from './protobuf-writer.ts';
import { writeAttributes } from './attribute-encoding.ts';
import { writeSpan } from './trace-encoder.ts';

export interface EncodingProcessorOptions {
  /** Spans buffered or being sent, at most; beyond, new spans are dropped and counted. */
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
 * Ended spans are encoded 32 at a time, not each as it ends: the encoder's
 * code and data then stay in the CPU's caches for the batch (one span at a
 * time, between two requests' work, cost three times what it costs in a
 * loop). Fewer wait for the export timer (scheduledDelayMs), as encoded
 * spans do, and are encoded when it fires.
 */
const ENCODE_BATCH = 32;

/**
 * The batch span processor of the agent: ended spans are encoded to OTLP
 * protobuf ENCODE_BATCH at a time (into one buffer per instrumentation
 * scope), so under load a span object dies young instead of waiting in a
 * queue for the next export (which promoted it to the old generation and
 * grew the heap); at most ENCODE_BATCH - 1 wait unencoded. A batch is
 * the scopes' bytes wrapped in one ResourceSpans, sent when `maxBatchSize`
 * spans are buffered or `scheduledDelayMs` after the first one. Bounded like
 * the SDK's BatchSpanProcessor: spans buffered plus spans being sent never
 * exceed `maxQueueSize` (the rest are dropped and counted in `stats`).
 */
export class EncodingSpanProcessor implements SpanProcessor {
  readonly #scopes = new Map<InstrumentationScope, ProtobufWriter>();
  #resource: ReadableSpan['resource'] | undefined;
  #buffered = 0;
  #sending = 0;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  /** Ended spans not encoded yet (see ENCODE_BATCH). */
  readonly #pending: ReadableSpan[] = [];
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
    if (pending + this.#buffered + this.#sending >= this.options.maxQueueSize) {
      this.stats.droppedSpans++;
      return;
    }
    this.#pending.push(span);
    // A full export batch is sent at once; else spans are encoded ENCODE_BATCH at a time.
    if (pending + 1 >= ENCODE_BATCH || pending + 1 + this.#buffered >= this.options.maxBatchSize)
      this.#encodePending();
    else this.#scheduleFlush();
  }

  #encodePending(): void {
    const spans = this.#pending;
    const count = spans.length;
    if (count === 0) return;
    for (let i = 0; i < count; i++) this.#encode(spans[i]!);
    spans.length = 0;
    if (this.#buffered >= this.options.maxBatchSize) void this.#flush();
    else if (this.#buffered > 0) this.#scheduleFlush();
  }

  /** Starts the export timer, unless it runs: what is pending or buffered then goes scheduledDelayMs after the first span. */
  #scheduleFlush(): void {
    if (this.#timer) return;
    this.#timer = setTimeout(() => void this.#flush(), this.options.scheduledDelayMs);
    this.#timer.unref();
  }

  #encode(span: ReadableSpan): void {
    const scope = span.instrumentationScope;
    let writer = this.#scopes.get(scope);
    if (!writer) this.#scopes.set(scope, (writer = new ProtobufWriter(16 * 1024)));
    const start = writer.pos;
    try {
      writeSpan(writer, span);
    } catch {
      writer.pos = start; // a span that cannot be encoded is left out, the batch stays valid
      return;
    }
    this.#resource ??= span.resource;
    this.#buffered++;
  }

  /** Sends what is buffered; resolves when every request in flight has finished. */
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

  /** Sends the buffered spans as one request; resolves when it has been answered (or given up). */
  #flush(): Promise<void> {
    this.#encodePending();
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const count = this.#buffered;
    if (count === 0) return Promise.resolve();
    // Resource detectors may still be reading (host.id): the first batch waits for them, once.
    const resource = this.#resource as PendingResource | undefined;
    if (!this.#resourceSettled && resource?.asyncAttributesPending && resource.waitForAsyncAttributes) {
      this.#resourceReady ??= resource
        .waitForAsyncAttributes()
        .catch(() => {})
        .then(() => {
          this.#resourceSettled = true;
        });
      return this.#resourceReady.then(() => this.#flush());
    }
    this.#buffered = 0;
    let body: Buffer;
    try {
      body = this.#assemble();
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

  /** ExportTraceServiceRequest { ResourceSpans { Resource, ScopeSpans* } } around the buffered spans. */
  #assemble(): Buffer {
    let size = 1024;
    for (const writer of this.#scopes.values()) size += writer.pos + 512;
    const out = new ProtobufWriter(size);
    const rs = out.begin(1); // ResourceSpans
    const resource = out.begin(1); // Resource
    if (this.#resource) writeAttributes(out, 1, this.#resource.attributes);
    out.end(resource);
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
