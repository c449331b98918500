import { createContextKey, type Context, type Span } from '@opentelemetry/api';
import type { RPCMetadata } from '@opentelemetry/core';

/** The API's key of the active span, and @opentelemetry/core's of the RPC metadata (both Symbol.for). */
const SPAN_KEY = createContextKey('OpenTelemetry Context Key SPAN');
const RPC_METADATA_KEY = createContextKey('OpenTelemetry SDK Context Key RPC_METADATA');

/**
 * Where code running for a request finds the route it is being handled by, as
 * far as it is known yet: the framework's matched route (express's
 * `req.route` while the handler runs; what fastify, koa or nest have put in
 * the RPC metadata). The code-context processor tells apart call paths that
 * routes share by it.
 */
export interface RouteSource {
  currentRoute(): string | undefined;
}
export const ROUTE_SOURCE_KEY = createContextKey('spyglass.http.route-source');

/**
 * The context a request's handler runs in: its parent (the W3C context
 * extracted from the headers) plus the server span and the RPC metadata in
 * which express, koa, fastify and nest record `http.route` (and the route
 * source, see above). Equal to
 * `setRPCMetadata(trace.setSpan(parent, span), metadata)`, without the
 * copies of the parent's values that would make: the values live in fields.
 * What an instrumentation derives from it (a child span's context, through
 * setValue) is a DerivedContext, and so is everything derived from that.
 */
export class RequestContext implements Context {
  constructor(
    private readonly parent: Context,
    private readonly span: Span,
    private readonly metadata: RPCMetadata,
    private readonly routes: RouteSource,
  ) {}

  getValue(key: symbol): unknown {
    if (key === SPAN_KEY) return this.span;
    if (key === RPC_METADATA_KEY) return this.metadata;
    if (key === ROUTE_SOURCE_KEY) return this.routes;
    return this.parent.getValue(key);
  }

  setValue(key: symbol, value: unknown): Context {
    return new DerivedContext(this, new Map([[key, value]]));
  }

  deleteValue(key: symbol): Context {
    return new DerivedContext(this, new Map([[key, undefined]]));
  }
}

/**
 * A context derived from a request's (a child span's, a library call's):
 * the values set since, in a map copied at each derivation as
 * @opentelemetry/api's BaseContext copies its own, over the request's
 * context for the rest. Not a BaseContext: that one makes three closures per
 * context (its getValue, setValue and deleteValue are per-instance arrow
 * functions), and on Node.js 24 contexts made so, holding a request's span,
 * metadata and exchange, lived through V8's young-generation collections
 * long after the request (while a full collection found them dead): an app
 * awaiting one PostgreSQL query per request, under the agent, one request
 * at a time, kept 2.8-3.6 MB through each scavenge and grew the young
 * generation to 64 MB semi-spaces; with this class 374 KB and 16 MB (without
 * the agent 136 KB, 8 MB; bench/agent/RESULTS.md, twenty-third session).
 * A deleted value is kept as undefined, which is what getValue answers.
 */
export class DerivedContext implements Context {
  constructor(
    private readonly base: RequestContext,
    private readonly values: Map<symbol, unknown>,
  ) {}

  getValue(key: symbol): unknown {
    const values = this.values;
    const value = values.get(key);
    // One lookup when the value is here; a deleted one is here as undefined.
    return value !== undefined || values.has(key) ? value : this.base.getValue(key);
  }

  setValue(key: symbol, value: unknown): Context {
    return new DerivedContext(this.base, new Map(this.values).set(key, value));
  }

  deleteValue(key: symbol): Context {
    return new DerivedContext(this.base, new Map(this.values).set(key, undefined));
  }
}
