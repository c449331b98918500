import {
  INVALID_SPAN_CONTEXT,
  SpanKind,
  TraceFlags,
  context as contextApi,
  trace,
  type Context,
  type Link,
  type Span,
  type SpanOptions,
  type TimeInput,
  type Tracer,
  type TracerOptions,
  type TracerProvider,
} from '@opentelemetry/api';
import {
  hrTimeToMilliseconds,
  isTracingSuppressed,
  sanitizeAttributes,
  timeInputToHrTime,
  type InstrumentationScope,
} from '@opentelemetry/core';
import {
  NOT_RECORD,
  NO_LINKS,
  PooledSpanContext,
  RecordingSpan,
  isValidSpanContext,
  sample,
  type SpanRecorder,
} from './recording-span.ts';

/**
 * The tracer provider of the export pipeline: every instrumentation's spans
 * (pg, ioredis, undici, kafkajs, ...) are RecordingSpans, like the agent's own
 * HTTP server span, not the SDK's span objects. The SDK's Tracer semantics
 * are kept (root, suppressed tracing, parent and trace state, the sampler's
 * decision and attributes, links, a given start time, onStart on every
 * processor), with the SDK's default span limits (128 attributes, events and
 * links; values not truncated); OTEL_SPAN_*_LIMIT variables are not read.
 *
 * Why: one span class reaches the span processors and the encoder (their
 * property reads stay monomorphic), and a span costs less to make (ids from
 * the pool, times as numbers, no per-span limit and metric objects).
 */
export class RecordingTracerProvider implements TracerProvider {
  readonly #tracers = new Map<string, RecordingTracer>();

  constructor(private readonly recorder: SpanRecorder) {}

  getTracer(name: string, version?: string, options?: TracerOptions): Tracer {
    const key = `${name}@${version ?? ''}:${options?.schemaUrl ?? ''}`;
    let tracer = this.#tracers.get(key);
    if (!tracer) {
      const scope: { -readonly [K in keyof InstrumentationScope]: InstrumentationScope[K] } = { name };
      if (version !== undefined) scope.version = version;
      if (options?.schemaUrl !== undefined) scope.schemaUrl = options.schemaUrl;
      tracer = new RecordingTracer(scope, this.recorder);
      this.#tracers.set(key, tracer);
    }
    return tracer;
  }

  /** Every span processor's forceFlush (the encoding processor sends what it holds). */
  async forceFlush(): Promise<void> {
    await Promise.all(this.recorder.processors.map((p) => p.forceFlush()));
  }

  async shutdown(): Promise<void> {
    await Promise.all(this.recorder.processors.map((p) => p.shutdown()));
  }
}

export class RecordingTracer implements Tracer {
  constructor(
    readonly instrumentationScope: InstrumentationScope,
    private readonly recorder: SpanRecorder,
  ) {}

  startSpan(name: string, options: SpanOptions = {}, context: Context = contextApi.active()): Span {
    if (options.root) context = trace.deleteSpan(context);
    if (isTracingSuppressed(context)) return trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
    const parent = trace.getSpan(context)?.spanContext();
    const parentSpanContext = parent && isValidSpanContext(parent) ? parent : undefined;
    const kind = options.kind ?? SpanKind.INTERNAL;
    const links =
      options.links === undefined || options.links.length === 0 ? NO_LINKS : sanitized(options.links);
    const attributes = sanitizeAttributes(options.attributes);
    const recorder = this.recorder;
    // Ids first: the sampler decides by the trace id.
    const spanContext = PooledSpanContext.create(parentSpanContext, TraceFlags.NONE);
    const sampling = sample(recorder, spanContext, context, parentSpanContext, name, kind, attributes, links);
    if (sampling.decision === NOT_RECORD) return trace.wrapSpanContext(spanContext);
    const own = sampling.attributes
      ? sanitizeAttributes(Object.assign(attributes, sampling.attributes))
      : attributes;
    const startMs = options.startTime === undefined ? undefined : epochMillis(options.startTime);
    const span = new RecordingSpan(
      name,
      kind,
      spanContext,
      own,
      parentSpanContext,
      this.instrumentationScope,
      recorder,
      startMs,
    );
    if (links !== NO_LINKS) span.addLinks(links);
    const processors = recorder.processors;
    for (let i = 0; i < processors.length; i++) {
      try {
        processors[i]!.onStart(span, context);
      } catch {
        // a processor's failure never breaks the application
      }
    }
    return span;
  }

  startActiveSpan<F extends (span: Span) => unknown>(name: string, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    options: SpanOptions,
    fn: F,
  ): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    options: SpanOptions,
    context: Context,
    fn: F,
  ): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    a?: SpanOptions | F,
    b?: Context | F,
    c?: F,
  ): ReturnType<F> | undefined {
    let options: SpanOptions | undefined;
    let parent: Context | undefined;
    let fn: F;
    if (arguments.length < 2) return undefined;
    if (arguments.length === 2) fn = a as F;
    else if (arguments.length === 3) {
      options = a as SpanOptions;
      fn = b as F;
    } else {
      options = a as SpanOptions;
      parent = b as Context;
      fn = c!;
    }
    const parentContext = parent ?? contextApi.active();
    const span = this.startSpan(name, options, parentContext);
    return contextApi.with(
      trace.setSpan(parentContext, span),
      fn as (span: Span) => ReturnType<F>,
      undefined,
      span,
    );
  }
}

/** The SDK's copy of each link, its attributes validated. */
function sanitized(links: readonly Link[]): Link[] {
  return links.map((link) => ({ context: link.context, attributes: sanitizeAttributes(link.attributes) }));
}

/** A given start time in milliseconds since the epoch; undefined (now) when it is not a time, as in the SDK. */
function epochMillis(time: TimeInput): number | undefined {
  try {
    return hrTimeToMilliseconds(timeInputToHrTime(time));
  } catch {
    return undefined;
  }
}
