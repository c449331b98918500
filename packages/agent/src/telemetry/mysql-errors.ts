import type { Span, Tracer } from '@opentelemetry/api';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { MySQL2Instrumentation } from '@opentelemetry/instrumentation-mysql2';

type EndSpan = (err?: unknown, results?: unknown) => void;

/**
 * mysql2's instrumentation ends a failed query's span with the error status and the server's
 * message, and records no exception. Here the exception is recorded and `error.type` set to the
 * MySQL error code (ER_NO_SUCH_TABLE), as pg's instrumentation does; and since MySQL messages
 * quote values ("Duplicate entry 'alice@example.com' for key 'PRIMARY'"), the message (status and
 * exception) is only the code and SQLSTATE unless capture.dbStatements is "full".
 * The upstream wraps each query's callback with _patchCallbackQuery(endSpan) right after starting
 * the query's span, in the same synchronous call: the span started last is that query's.
 */
export function recordMysqlErrors(
  instrumentation: MySQL2Instrumentation,
  full: () => boolean,
): Instrumentation {
  const target = instrumentation as unknown as {
    _patchCallbackQuery?: (endSpan: EndSpan) => unknown;
  };
  const patchCallback = target._patchCallbackQuery;
  let getter: ((this: object) => Tracer) | undefined;
  for (let o: object | null = instrumentation; o && !getter; o = Object.getPrototypeOf(o) as object | null)
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called below with the instrumentation as `this`
    getter = Object.getOwnPropertyDescriptor(o, 'tracer')?.get as ((this: object) => Tracer) | undefined;
  if (typeof patchCallback !== 'function' || !getter) return instrumentation;
  const tracerOf = getter;
  let started: Span | undefined;
  const wrapped = new WeakMap<Tracer, Tracer>();
  Object.defineProperty(instrumentation, 'tracer', {
    configurable: true,
    get(): Tracer {
      const tracer = tracerOf.call(instrumentation);
      let recording = wrapped.get(tracer);
      if (!recording) {
        recording = Object.create(tracer) as Tracer;
        recording.startSpan = (...args: Parameters<Tracer['startSpan']>) =>
          (started = tracer.startSpan(...args));
        wrapped.set(tracer, recording);
      }
      return recording;
    },
  });
  target._patchCallbackQuery = function (endSpan: EndSpan) {
    const span = started;
    started = undefined;
    return patchCallback.call(this, (err?: unknown, results?: unknown) => {
      if (!span || !(err instanceof Error)) return endSpan(err, results);
      try {
        const { code, sqlState } = err as { code?: unknown; sqlState?: unknown };
        const type = typeof code === 'string' && code ? code : err.name;
        span.setAttribute('error.type', type);
        if (full()) {
          span.recordException(err);
          return endSpan(err, results);
        }
        const message = typeof sqlState === 'string' ? `${type} (SQLSTATE ${sqlState})` : type;
        const at = err.stack?.indexOf('\n    at ') ?? -1;
        const stack = at === -1 ? undefined : `${type}: ${message}${err.stack!.slice(at)}`;
        span.recordException({ name: type, message, ...(stack ? { stack } : {}) });
        return endSpan({ message }, results);
      } catch {
        return endSpan(err, results);
      }
    });
  };
  return instrumentation;
}
