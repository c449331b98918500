import type { IncomingHttpHeaders } from 'node:http';
import { ROOT_CONTEXT, propagation, type Context } from '@opentelemetry/api';

/** The headers W3C trace context and baggage read (the agent's propagator, see start-agent.ts). */
const W3C_FIELDS = ['traceparent', 'tracestate', 'baggage'];

/**
 * The context a request's headers carry: `propagation.extract(ROOT_CONTEXT,
 * headers)`, skipped when the propagator is W3C trace context and baggage
 * (its fields are exactly those three) and the request has neither a
 * traceparent nor a baggage header, the usual case for requests from
 * outside: each extractor would then look its header up and return the root
 * context as it is. Another propagator is always asked: some read headers
 * they do not list (Jaeger's `uberctx-*` baggage).
 */
export function requestContext(headers: IncomingHttpHeaders): Context {
  if (headers.traceparent === undefined && headers.baggage === undefined && isW3C(propagation.fields()))
    return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, headers);
}

function isW3C(fields: readonly string[]): boolean {
  if (fields.length !== W3C_FIELDS.length) return false;
  for (let i = 0; i < fields.length; i++) if (!W3C_FIELDS.includes(fields[i]!)) return false;
  return true;
}
