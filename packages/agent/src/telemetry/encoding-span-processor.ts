import { TraceFlags } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult, type InstrumentationScope } from '@opentelemetry/core';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ExportStats } from './export-stats.ts';
import { outsideRequest } from './outside-request.ts';
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
  /** Ended spans encoded at a time, before their batch goes (ENCODE_EVERY; tests set their own). */
  encodeEvery?: number;
}

/** Where batches go (OtlpHttpTransport). */
export interface EncodedTraceSender {
  /** Sends one encoded ExportTraceServiceRequest, retrying as it sees fit; calls `done` once. */
  send(body: Buffer, done: (result: ExportResult) => void): void;
  shutdown(): Promise<void>;
}

type PendingResource = { asyncAttributesPending?: boolean; waitForAsyncAttributes?: () => Promise<void> };

/** A resource whose detectors are still reading (host.id): it must be waited for before it is encoded. */
function detecting(resource: ReadableSpan['resource']): resource is ReadableSpan['resource'] & {
  waitForAsyncAttributes(): Promise<void>;
} {
  const r = resource as PendingResource;
  return r.asyncAttributesPending === true && typeof r.waitForAsyncAttributes === 'function';
}

/** See EncodingSpanProcessor: ended spans wait for this many, then are encoded together. */
const ENCODE_EVERY = 64;

/** Writers larger than this after a batch are replaced, so one burst does not pin its memory. */
const MAX_IDLE_WRITER_BYTES = 1 << 20;

/**
 * The batch span processor of the agent. Ended spans wait, unencoded, until
 * ENCODE_EVERY (64) have ended; they are then encoded together, into one
 * buffer per instrumentation scope, and are garbage. A batch goes when
 * `maxBatchSize` have ended, or `scheduledDelayMs` after the first: the
 * buffers are wrapped in one ResourceSpans and sent.
 * - Encoding many spans in one go keeps the encoder's code and data in the
 *   CPU's caches, and the application's own between two runs of it (the
 *   eleventh session read 32 at a time 13-23 us slower per trivial request
 *   than 256 or 512, bench/agent/RESULTS.md).
 * - Spans that wait unencoded survive the young generation's collections
 *   and are copied, then promoted: with the whole batch of 512 waiting,
 *   10.6 KB per trivial request was promoted against 8.3 KB without the
 *   agent, and the collector's pauses added ~10 us per request; encoded 64 at
 *   a time, 9.1 KB and ~3 us. In CPU per trivial request, 64 at a time read
 *   24 and 33 us less than the whole batch (the sixteenth session).
 * Spans that end before the resource has settled (host.id may still be read)
 * wait unencoded for it: the first batch is assembled with it. Bounded like
 * the SDK's BatchSpanProcessor: spans waiting (encoded or not) plus spans
 * being sent never exceed `maxQueueSize` (the rest are dropped and counted in
 * `stats`); at most `maxBatchSize` span objects wait, the rest of a slow
 * gateway's backlog is bytes.
 */
export class EncodingSpanProcessor implements SpanProcessor {
  readonly #scopes = new Map<InstrumentationScope, ProtobufWriter>();
  #sending = 0;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  /** Ended spans waiting to be encoded. */
  #pending: ReadableSpan[] = [];
  /** Spans encoded into the scopes' writers, waiting for their batch to be sent; and their resource. */
  #encoded = 0;
  #encodedResource: ReadableSpan['resource'] | undefined;
  #resourceSettled = false;
  #resourceReady: Promise<void> | undefined;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #encodeEvery: number;

  constructor(
    private readonly sender: EncodedTraceSender,
    private readonly options: EncodingProcessorOptions,
    private readonly stats: ExportStats,
  ) {
    this.#encodeEvery = options.encodeEvery ?? ENCODE_EVERY;
  }

  onStart(): void {}

  onEnd(span: ReadableSpan): void {
    if (this.#closed || (span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    const waiting = this.#pending.length + this.#encoded;
    if (waiting + this.#sending >= this.options.maxQueueSize) {
      this.stats.droppedSpans++;
      return;
    }
    const pending = this.#pending.push(span);
    if (waiting + 1 >= this.options.maxBatchSize) outsideRequest(() => void this.#flush());
    else {
      if (pending >= this.#encodeEvery && this.#resourceComplete(span)) this.#encodePending();
      this.#scheduleFlush();
    }
  }

  /**
   * Starts the export timer, unless it runs: what is pending then goes scheduledDelayMs after the
   * first span. Made outside the request that span ended in, as the flush above (see outsideRequest).
   */
  #scheduleFlush(): void {
    if (this.#timer) return;
    this.#timer = outsideRequest(() => setTimeout(() => void this.#flush(), this.options.scheduledDelayMs));
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
    if (this.#pending.length === 0 && this.#encoded === 0) return Promise.resolve();
    // Resource detectors may still be reading (host.id): the first batch waits for them, once.
    if (!this.#resourceSettled) {
      const resource = this.#pending[0]!.resource;
      if (detecting(resource)) {
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
    const sends: Array<Promise<void>> = [];
    const spans = this.#pending;
    this.#pending = [];
    for (const span of spans) {
      this.#encodeOne(span);
      if (this.#encoded >= this.options.maxBatchSize) sends.push(this.#sendEncoded());
    }
    if (this.#encoded > 0) sends.push(this.#sendEncoded());
    return sends.length === 1 ? sends[0]! : Promise.all(sends).then(() => undefined);
  }

  /** Whether the spans' resource has settled (it has, unless detectors are still reading: see #flush). */
  #resourceComplete(span: ReadableSpan): boolean {
    if (!this.#resourceSettled && !detecting(span.resource)) this.#resourceSettled = true;
    return this.#resourceSettled;
  }

  /** Encodes the spans waiting (into the scopes' writers), so that they are garbage at once. */
  #encodePending(): void {
    const spans = this.#pending;
    this.#pending = [];
    for (const span of spans) this.#encodeOne(span);
  }

  #encodeOne(span: ReadableSpan): void {
    if (!this.#encode(span)) return;
    this.#encoded++;
    this.#encodedResource ??= span.resource;
  }

  /** Sends the spans encoded so far as one request. */
  #sendEncoded(): Promise<void> {
    const count = this.#encoded;
    const resource = this.#encodedResource!;
    this.#encoded = 0;
    this.#encodedResource = undefined;
    let body: Buffer;
    try {
      body = this.#assemble(resource);
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
