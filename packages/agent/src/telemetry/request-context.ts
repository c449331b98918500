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
 * copies of the parent's values that would make: the values live in fields,
 * and a full context is built only if someone derives one from it (a child
 * span does, through setValue), then reused.
 */
export class RequestContext implements Context {
  #full: Context | undefined;

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
    return this.full().setValue(key, value);
  }

  deleteValue(key: symbol): Context {
    return this.full().deleteValue(key);
  }

  private full(): Context {
    return (this.#full ??= this.parent
      .setValue(SPAN_KEY, this.span)
      .setValue(RPC_METADATA_KEY, this.metadata)
      .setValue(ROUTE_SOURCE_KEY, this.routes));
  }
}
