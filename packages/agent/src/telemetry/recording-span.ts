import { createRequire } from 'node:module';
import {
  SpanStatusCode,
  TraceFlags,
  isSpanContextValid,
  type Attributes,
  type AttributeValue,
  type Exception,
  type HrTime,
  type Link,
  type Span,
  type SpanContext,
  type SpanKind,
  type SpanStatus,
  type Context,
  type TimeInput,
  type TraceState,
} from '@opentelemetry/api';
import {
  hrTimeDuration,
  hrTimeToMilliseconds,
  isAttributeValue,
  isTimeInput,
  millisToHrTime,
  sanitizeAttributes,
  timeInputToHrTime,
  type InstrumentationScope,
} from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type {
  ReadableSpan,
  Sampler,
  SamplingDecision,
  SamplingResult,
  SpanProcessor,
  TimedEvent,
} from '@opentelemetry/sdk-trace-base';
import { writeAttributes } from './attribute-encoding.ts';
import { hexToBytes, type ProtobufWriter } from './protobuf-writer.ts';

/**
 * Where the agent's own spans go: the export pipeline's resource, sampler and
 * span processors (the same ones the SDK's tracer provider uses, so a
 * RecordingSpan is sampled, processed and exported like any other span).
 */
export interface SpanRecorder {
  readonly resource: Resource;
  readonly sampler: Sampler & Partial<NewTraceSampler>;
  readonly processors: readonly SpanProcessor[];
}

/**
 * A sampler that also decides for a new trace from its id's bytes, as its
 * shouldSample would from the id's hex (LiveRatioSampler): reading 32 hex
 * characters of a sliced string twice (the validity check, the ratio's
 * number) cost ~3.5 K instructions per new trace at a ratio below 1.
 */
export interface NewTraceSampler {
  sampleNewTrace(bytes: Uint8Array, at: number): SamplingResult;
}

/** The SDK's default span limits (OTEL_SPAN_*_COUNT_LIMIT unset). */
export const MAX_ATTRIBUTES = 128;
const MAX_EVENTS = 128;
const MAX_LINKS = 128;

const UNSET: SpanStatus = Object.freeze({ code: SpanStatusCode.UNSET });
/** No links (shared, frozen): a span's until it gets one, and a start's that has none. */
export const NO_LINKS: Link[] = Object.freeze([]) as unknown as Link[];
const NO_EVENTS: TimedEvent[] = Object.freeze([]) as unknown as TimedEvent[];

/**
 * Now, in milliseconds since the epoch, as the SDK's clock reads it
 * (performance.timeOrigin + performance.now()). node:perf_hooks is loaded
 * with the first span, not when the agent starts: it and the modules behind
 * it take ~0.6 ms to load, which an application that never uses them would
 * pay in its startup. The global `performance` is an accessor on
 * globalThis (each read calls its getter, ~12 ns), and `timeOrigin` a getter
 * too: both are read once and kept.
 */
function epochNowMs(): number {
  if (clock === undefined) {
    clock = performance;
    originMs = clock.timeOrigin;
  }
  return originMs + clock.now();
}
let clock: typeof performance | undefined;
let originMs = 0;

/**
 * A span of the agent's own instrumentation (the HTTP server span), without
 * the SDK's span object: it is the API's Span for the application and the
 * other instrumentations (context, attributes, events, status, name), and the
 * SDK's ReadableSpan for the span processors, with the SDK's semantics
 * (default limits, status rules, exception events, end once) but less work per
 * span: ids from a pooled random buffer, times as one number until asked,
 * attributes in one plain object that the creator fills without validation
 * (values it knows to be valid), and no per-span allocations for what a span
 * rarely has (events, links).
 */
export class RecordingSpan implements Span, ReadableSpan {
  readonly #context: SpanContext;
  readonly #startMs: number;
  #endMs = 0;
  #ended = false;
  /**
   * The attributes in `own` as setAttribute counts them: counted at its first
   * new key (-1 until then), as the creator may fill `own` until it hands the
   * span out; end() enforces the limit on the final set all the same.
   */
  #attributeCount = -1;
  status: SpanStatus = UNSET;
  events: TimedEvent[] = NO_EVENTS;
  links: Link[] = NO_LINKS;
  droppedAttributesCount = 0;
  droppedEventsCount = 0;
  droppedLinksCount = 0;

  /** The parent, if any. */
  readonly parentSpanContext?: SpanContext;

  /**
   * `own` becomes the span's attributes (the creator hands over a fresh
   * object of valid values, which it may keep filling until the span ends);
   * setAttribute adds to it. `startMs`: a start given by the creator
   * (milliseconds since the epoch), else now.
   */
  constructor(
    public name: string,
    readonly kind: SpanKind,
    context: SpanContext,
    protected readonly own: Attributes,
    parentSpanContext: SpanContext | undefined,
    readonly instrumentationScope: InstrumentationScope,
    private readonly recorder: SpanRecorder,
    startMs?: number,
  ) {
    this.#startMs = startMs ?? epochNowMs();
    this.#context = context;
    if (parentSpanContext) this.parentSpanContext = parentSpanContext;
  }

  /** The span's attributes (ReadableSpan's; a subclass may build them from its own fields). */
  get attributes(): Attributes {
    return this.own;
  }

  /**
   * Writes the attributes as KeyValue fields `field` of the span being
   * encoded; returns the number dropped by the attribute limit (what the
   * encoder writes as dropped_attributes_count).
   */
  writeAttributes(w: ProtobufWriter, field: number): number {
    writeAttributes(w, field, this.own);
    return this.droppedAttributesCount;
  }

  spanContext(): SpanContext {
    return this.#context;
  }

  get resource(): Resource {
    return this.recorder.resource;
  }

  /** The start, in milliseconds since the epoch (what the encoder writes). */
  get startMs(): number {
    return this.#startMs;
  }

  /** The end, in milliseconds since the epoch (0 until it ends). */
  get endMs(): number {
    return this.#endMs;
  }

  get startTime(): HrTime {
    return millisToHrTime(this.#startMs);
  }

  get endTime(): HrTime {
    return millisToHrTime(this.#endMs);
  }

  get duration(): HrTime {
    return hrTimeDuration(this.startTime, this.endTime);
  }

  get ended(): boolean {
    return this.#ended;
  }

  isRecording(): boolean {
    return !this.#ended;
  }

  setAttribute(key: string, value: AttributeValue | undefined): this {
    if (this.#ended || value === undefined || key.length === 0 || !isAttributeValue(value)) return this;
    const attributes = this.own;
    if (attributes[key] === undefined) {
      // Counted once, then kept (Object.keys per new attribute was an array each time).
      if (this.#attributeCount < 0) this.#attributeCount = countKeys(attributes);
      if (this.#attributeCount >= MAX_ATTRIBUTES) {
        this.droppedAttributesCount++;
        return this;
      }
      this.#attributeCount++;
    }
    attributes[key] = value;
    return this;
  }

  setAttributes(attributes: Attributes): this {
    for (const key in attributes) this.setAttribute(key, attributes[key]);
    return this;
  }

  addEvent(name: string, attributesOrTime?: Attributes | TimeInput, time?: TimeInput): this {
    if (this.#ended) return this;
    let attributes = attributesOrTime as Attributes | undefined;
    if (isTimeInput(attributesOrTime)) {
      if (!isTimeInput(time)) time = attributesOrTime;
      attributes = undefined;
    }
    if (this.events === NO_EVENTS) this.events = [];
    else if (this.events.length >= MAX_EVENTS) {
      this.events.shift();
      this.droppedEventsCount++;
    }
    this.events.push({
      name,
      attributes: sanitizeAttributes(attributes),
      time: time === undefined ? millisToHrTime(epochNowMs()) : timeInputToHrTime(time),
      droppedAttributesCount: 0,
    });
    return this;
  }

  addLink(link: Link): this {
    if (this.#ended) return this;
    if (this.links.length >= MAX_LINKS) {
      this.droppedLinksCount++;
      return this;
    }
    if (this.links === NO_LINKS) this.links = [];
    this.links.push({ context: link.context, attributes: sanitizeAttributes(link.attributes) });
    return this;
  }

  addLinks(links: Link[]): this {
    for (const link of links) this.addLink(link);
    return this;
  }

  /** The SDK's rules: UNSET is ignored, OK is final, a message only with ERROR. */
  setStatus(status: SpanStatus): this {
    if (this.#ended || status.code === SpanStatusCode.UNSET || this.status.code === SpanStatusCode.OK)
      return this;
    this.status =
      status.code === SpanStatusCode.ERROR && typeof status.message === 'string'
        ? { code: status.code, message: status.message }
        : { code: status.code };
    return this;
  }

  updateName(name: string): this {
    if (!this.#ended) this.name = name;
    return this;
  }

  /** An `exception` event, as the SDK records it. */
  recordException(exception: Exception, time?: TimeInput): void {
    const attributes: Attributes = {};
    if (typeof exception === 'string') attributes['exception.message'] = exception;
    else if (exception) {
      if (exception.code) attributes['exception.type'] = exception.code.toString();
      else if (exception.name) attributes['exception.type'] = exception.name;
      if (exception.message) attributes['exception.message'] = exception.message;
      if (exception.stack) attributes['exception.stacktrace'] = exception.stack;
    }
    if (attributes['exception.type'] || attributes['exception.message'])
      this.addEvent('exception', attributes, time);
  }

  /** The creator's own attributes count too: beyond the limit, the last ones are dropped. */
  #limitAttributes(): void {
    let count = 0;
    for (const key in this.own) {
      if (++count <= MAX_ATTRIBUTES) continue;
      delete this.own[key];
      this.droppedAttributesCount++;
    }
  }

  /** Ends once: the processors see it while still writable (onEnding), then ended (onEnd). */
  end(endTime?: TimeInput): void {
    if (this.#ended) return;
    this.#endMs = endTime === undefined ? epochNowMs() : hrTimeToMilliseconds(timeInputToHrTime(endTime));
    if (this.#endMs < this.#startMs) this.#endMs = this.#startMs;
    this.#limitAttributes();
    const processors = this.recorder.processors;
    for (let i = 0; i < processors.length; i++) {
      const p = processors[i] as SpanProcessor & { onEnding?: (span: RecordingSpan) => void };
      try {
        p.onEnding?.(this);
      } catch {
        // a processor's failure never breaks the application
      }
    }
    this.#ended = true;
    for (let i = 0; i < processors.length; i++) {
      try {
        processors[i]!.onEnd(this);
      } catch {
        // as above
      }
    }
  }
}

function countKeys(attributes: Attributes): number {
  let count = 0;
  for (const _ in attributes) count++;
  return count;
}

/**
 * Random ids from a pooled buffer, as lower-case hex: one randomFillSync and
 * one hex conversion per 256 spans (a refill cost about 20 us on the
 * benchmark's VM: 0.3 us per request when it came every 64 spans), each id
 * then a slice of the pool's hex text (a slice of 13 characters or more
 * shares the text, without a copy). A pool's text (12 KiB) lives as long as
 * an id cut from it.
 *
 * Each refill takes a new buffer, so that the bytes of an id stay as they
 * were: a span context made here (PooledSpanContext) keeps them, and the
 * encoder copies them instead of parsing the hex back.
 */
const POOL_BYTES = 24 * 256;
let pool = Buffer.allocUnsafe(0);
let poolHex = '';
let poolAt = 0;

/**
 * node:crypto is loaded with the first span's ids, not with the agent: it and
 * the streams it loads added ~5 ms to every application's startup, including
 * those that never start a span (bench/agent/RESULTS.md, seventeenth session). createRequire, not require: these sources
 * also run as ES modules (in tests).
 */
let randomFillSync: ((buffer: Buffer) => Buffer) | undefined;
function fillRandom(buffer: Buffer): void {
  randomFillSync ??= (createRequire(process.execPath)('node:crypto') as typeof import('node:crypto'))
    .randomFillSync;
  randomFillSync(buffer);
}

/** The pool's offset of `bytes` fresh random bytes, not all zero (an all-zero id is invalid). */
function reserve(bytes: number): number {
  for (;;) {
    if (poolAt + bytes > pool.length) {
      pool = Buffer.allocUnsafe(POOL_BYTES);
      fillRandom(pool);
      poolHex = pool.toString('hex');
      poolAt = 0;
    }
    const at = poolAt;
    poolAt += bytes;
    // Checked on the bytes: no regular expression per id.
    for (let i = at; i < at + bytes; i++) if (pool[i] !== 0) return at;
  }
}

function hexAt(at: number, bytes: number): string {
  return poolHex.slice(2 * at, 2 * (at + bytes));
}

/**
 * The span context of a span started here: a new span id, and a new trace id
 * unless the span continues its parent's, with their bytes beside their hex
 * (the encoder copies them instead of parsing the hex back). To the API it is
 * any SpanContext.
 */
export class PooledSpanContext implements SpanContext {
  /** Set by the creator when there is one (the parent's, or the sampler's). */
  traceState?: TraceState;

  private constructor(
    readonly traceId: string,
    readonly spanId: string,
    public traceFlags: number,
    /** The trace id's 16 bytes are `traceBytes[traceAt, traceAt + 16)`. */
    readonly traceBytes: Uint8Array,
    readonly traceAt: number,
    /** The span id's 8 bytes are `spanBytes[spanAt, spanAt + 8)`. */
    readonly spanBytes: Uint8Array,
    readonly spanAt: number,
    /** The span starts a trace (it has no valid parent): the sampler's root decision. */
    readonly newTrace: boolean,
  ) {}

  /**
   * The context of a span under `parent` (a valid one), or of a span that
   * starts a new trace (undefined). A child of one of the agent's own spans
   * shares its parent's trace id bytes; a child of a remote parent gets them
   * parsed from the hex once, here, rather than by the encoder for it and
   * for each of its descendants.
   */
  static create(parent: SpanContext | undefined, traceFlags: number): PooledSpanContext {
    let traceId: string;
    let traceBytes: Uint8Array;
    let traceAt: number;
    if (parent instanceof PooledSpanContext) {
      ({ traceId, traceBytes, traceAt } = parent);
    } else {
      traceAt = reserve(16);
      traceBytes = pool;
      if (parent === undefined) traceId = hexAt(traceAt, 16);
      else {
        traceId = parent.traceId;
        hexToBytes(traceId, traceBytes, traceAt, 16);
      }
    }
    const spanAt = reserve(8);
    const newTrace = parent === undefined;
    return new PooledSpanContext(
      traceId,
      hexAt(spanAt, 8),
      traceFlags,
      traceBytes,
      traceAt,
      pool,
      spanAt,
      newTrace,
    );
  }
}

/**
 * isSpanContextValid, without reading the ids of the agent's own contexts:
 * those are valid as made (a valid parent's trace id, or fresh ids that are
 * never all zero). The check reads 48 hex characters, slices of the pool's
 * text, twice for every span started under one of them (by the tracer, and
 * by the sampler): ~5 K instructions for a span of pg or ioredis.
 */
export function isValidSpanContext(context: SpanContext): boolean {
  return context instanceof PooledSpanContext || isSpanContextValid(context);
}

/**
 * SamplingDecision's values (@opentelemetry/sdk-trace-base is part of the export pipeline, which
 * loads after the application's startup, not with the modules that start spans).
 */
export const NOT_RECORD = 0 as SamplingDecision;
const RECORD_AND_SAMPLED = 2 as SamplingDecision;

/**
 * The sampler's decision for a span about to start with `context` (fresh, from
 * PooledSpanContext.create under the valid parent if there is one),
 * applied as the SDK's Tracer applies it: the sampled flag, and the sampler's
 * trace state, else the parent's. The caller makes the span, or a
 * non-recording one (trace.wrapSpanContext) when the decision is NOT_RECORD.
 */
export function sample(
  recorder: SpanRecorder,
  context: PooledSpanContext,
  parentContext: Context,
  parentSpanContext: SpanContext | undefined,
  name: string,
  kind: SpanKind,
  attributes: Attributes,
  links: Link[],
): SamplingResult {
  const sampler = recorder.sampler;
  const sampling =
    context.newTrace && sampler.sampleNewTrace !== undefined
      ? sampler.sampleNewTrace(context.traceBytes, context.traceAt)
      : sampler.shouldSample(parentContext, context.traceId, name, kind, attributes, links);
  if (sampling.decision === RECORD_AND_SAMPLED) context.traceFlags = TraceFlags.SAMPLED;
  const traceState = sampling.traceState ?? parentSpanContext?.traceState;
  if (traceState) context.traceState = traceState;
  return sampling;
}
