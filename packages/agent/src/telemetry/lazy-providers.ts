import {
  ProxyTracerProvider,
  type Context,
  type Span,
  type SpanOptions,
  type Tracer,
  type TracerOptions,
  type TracerProvider,
} from '@opentelemetry/api';
import type { LogRecord, Logger, LoggerOptions, LoggerProvider } from '@opentelemetry/api-logs';

/**
 * Global providers that load the SDK pipeline on first use. The agent
 * registers them as the API's globals at once (the instrumentations take
 * their tracer and logger from there while the application starts), but the
 * pipeline's modules (SDK, exporters, resource detection) are loaded only when
 * the first span or log record is created, or just after the application's
 * startup code has run, whichever comes first. Nothing is lost: the first span
 * waits for the pipeline; and an application that creates none while starting
 * does not pay for it before it is up.
 */
export class LazyTracerProvider implements TracerProvider {
  constructor(private readonly real: () => TracerProvider | undefined) {}

  getTracer(name: string, version?: string, options?: TracerOptions): Tracer {
    return new LazyTracer(() => this.real()?.getTracer(name, version, options));
  }
}

class LazyTracer implements Tracer {
  #tracer: Tracer | undefined;
  #resolved = false;

  constructor(private readonly resolve: () => Tracer | undefined) {}

  private get tracer(): Tracer | undefined {
    if (!this.#resolved) {
      this.#tracer = this.resolve();
      this.#resolved = true;
    }
    return this.#tracer;
  }

  startSpan(name: string, options?: SpanOptions, context?: Context): Span {
    const tracer = this.tracer ?? NOOP_TRACER;
    return tracer.startSpan(name, options, context);
  }

  startActiveSpan<F extends (span: Span) => unknown>(name: string, ...args: unknown[]): ReturnType<F> {
    const tracer = this.tracer ?? NOOP_TRACER;
    return (tracer.startActiveSpan as (n: string, ...a: unknown[]) => ReturnType<F>)(name, ...args);
  }
}

export class LazyLoggerProvider implements LoggerProvider {
  constructor(private readonly real: () => LoggerProvider | undefined) {}

  getLogger(name: string, version?: string, options?: LoggerOptions): Logger {
    let logger: Logger | undefined;
    let resolved = false;
    const resolve = () => {
      if (!resolved) {
        logger = this.real()?.getLogger(name, version, options);
        resolved = true;
      }
      return logger;
    };
    return {
      emit: (record: LogRecord) => resolve()?.emit(record),
      enabled: (options) => resolve()?.enabled(options) ?? false,
    };
  }
}

/** The API's no-op tracer, for a provider with no pipeline (signals.traces off, or a failed start). */
const NOOP_TRACER = new ProxyTracerProvider().getTracer('noop');
