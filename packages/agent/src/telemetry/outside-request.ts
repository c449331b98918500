import { ROOT_CONTEXT, context } from '@opentelemetry/api';

/**
 * Runs `fn` in the context of no request: the export pipeline's own work
 * (batch timers, flushes, what an export schedules). Spans end and records
 * are logged inside the application's requests, and what the pipeline
 * creates there (timers, promises, sockets) would carry that request's
 * context, its span, request and response, until the batch is answered. On
 * Node.js 24 those survivors were 0.30% of what the agent allocates, 8 times
 * all the rest (0.037%), and each byte surviving a scavenge brings V8's
 * growth of the young generation closer (bench/agent/RESULTS.md,
 * twenty-second session). The transport's requests run outside too, with
 * tracing suppressed (otlp-http-transport.ts).
 */
export function outsideRequest<T>(fn: () => T): T {
  return context.with(ROOT_CONTEXT, fn);
}
