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
  if (headers.traceparent === undefined && headers.baggage === undefined && propagatorIsW3C())
    return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, headers);
}

/** Where @opentelemetry/api 1.x keeps its globals (the propagator under `propagation`). */
const API_GLOBALS = Symbol.for('opentelemetry.js.api.1');
type ApiGlobals = { propagation?: unknown } | undefined;

/** The global propagator propagatorIsW3C last answered for, and its answer. */
let lastPropagator: unknown;
let lastAnswer = false;

/**
 * Whether the global propagator is W3C trace context and baggage. Asked of
 * the API (`propagation.fields()`: a version check and a copy of the fields,
 * ~500 instructions) once per propagator: the answer is kept for the
 * propagator object found in the API's globals, and asked again when another
 * one is registered (after `propagation.disable()`).
 */
function propagatorIsW3C(): boolean {
  const propagator = (globalThis as Record<symbol, ApiGlobals>)[API_GLOBALS]?.propagation;
  if (propagator !== undefined && propagator === lastPropagator) return lastAnswer;
  const answer = areW3CFields(propagation.fields());
  lastPropagator = propagator;
  lastAnswer = answer;
  return answer;
}

function areW3CFields(fields: readonly string[]): boolean {
  if (fields.length !== W3C_FIELDS.length) return false;
  for (let i = 0; i < fields.length; i++) if (!W3C_FIELDS.includes(fields[i]!)) return false;
  return true;
}
