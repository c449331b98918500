import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  propagation,
  trace,
  type Context,
  type Span,
} from '@opentelemetry/api';
import { RPCType, setRPCMetadata, type RPCMetadata } from '@opentelemetry/core';
import { InstrumentationBase, InstrumentationNodeModuleDefinition } from '@opentelemetry/instrumentation';
import { AGENT_VERSION } from '../version.ts';
import { requestAttributes } from './http-server-attributes.ts';

/** What the agent adds to server spans (headers, payloads): http-capture.ts's hooks. */
export interface HttpServerHooks {
  requestHook(span: Span, request: IncomingMessage): void;
  responseHook(span: Span, response: ServerResponse): void;
  applyCustomAttributesOnSpan(span: Span, request: IncomingMessage, response: ServerResponse): void;
  /** Whether to read express's route from the request (instrumentations.express; read live). */
  expressRoutes(): boolean;
}

type Emit = (this: unknown, event: string | symbol, ...args: unknown[]) => boolean;
type ServerModule = { Server?: { prototype: { emit: Emit } } } | undefined;

/**
 * The HTTP server span, in place of @opentelemetry/instrumentation-http's
 * incoming side (which the agent configures with
 * disableIncomingRequestInstrumentation). Same span, attributes and context
 * contract, for less work per request:
 * - `Server.prototype.emit('request')` of node:http and node:https runs the
 *   application's handler inside the span's context (W3C context extracted
 *   from the headers, RPC metadata in which express, koa, fastify and nest
 *   record http.route);
 * - the request's and response's own events run in that context too: their
 *   `emit` is wrapped once per request (upstream binds both emitters, which
 *   wraps every listener added to them);
 * - the span ends on the response's 'close' (or 'error'), seen in that same
 *   wrapper, so no listener is added; it is named `METHOD route` when a
 *   framework set the route;
 * - express's route is read from the request when the response finishes
 *   (`req.baseUrl` + `req.route.path`, see expressRoute) instead of tracking
 *   every middleware layer as @opentelemetry/instrumentation-express does;
 *   that instrumentation runs only for capture.expressLayerSpans.
 * node:http and node:https are patched when the application loads them, as
 * upstream does.
 */
export class HttpServerInstrumentation extends InstrumentationBase {
  readonly #hooks: HttpServerHooks;

  constructor(hooks: HttpServerHooks) {
    super('spyglass-http-server', AGENT_VERSION, { enabled: false });
    this.#hooks = hooks;
  }

  protected init() {
    return (['http', 'https'] as const).map(
      (scheme) =>
        new InstrumentationNodeModuleDefinition(
          scheme,
          ['*'],
          (moduleExports: ServerModule) => {
            const proto = moduleExports?.Server?.prototype;
            if (proto) this._wrap(proto, 'emit', (original: Emit) => this.#patchEmit(original, scheme));
            return moduleExports;
          },
          (moduleExports: ServerModule | undefined) => {
            const proto = moduleExports?.Server?.prototype;
            if (proto) this._unwrap(proto, 'emit');
          },
        ),
    );
  }

  #patchEmit(original: Emit, scheme: 'http' | 'https'): Emit {
    const start = (request: IncomingMessage, response: ServerResponse) =>
      this.#start(request, response, scheme);
    return function emit(this: unknown, event: string | symbol, ...args: unknown[]): boolean {
      if (event !== 'request') return original.apply(this, [event, ...args]);
      let exchange: Exchange | undefined;
      try {
        exchange = start(args[0] as IncomingMessage, args[1] as ServerResponse);
      } catch {
        // never break the application's request because of telemetry
      }
      if (!exchange) return original.apply(this, [event, ...args]);
      const current = exchange;
      try {
        return context.with(current.context, original, this, event, ...args);
      } catch (err) {
        current.fail(err);
        throw err;
      }
    };
  }

  #start(request: IncomingMessage, response: ServerResponse, scheme: 'http' | 'https'): Exchange {
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const span = this.tracer.startSpan(
      request.method ?? 'GET',
      { kind: SpanKind.SERVER, attributes: requestAttributes(request, scheme) },
      parent,
    );
    const metadata: RPCMetadata = { type: RPCType.HTTP, span };
    const exchange = new Exchange(
      span,
      setRPCMetadata(trace.setSpan(parent, span), metadata),
      metadata,
      request,
      response,
      this.#hooks,
    );
    bindEvents(exchange);
    return exchange;
  }
}

/** One request/response pair and its server span. */
class Exchange {
  #ended = false;

  constructor(
    readonly span: Span,
    readonly context: Context,
    private readonly metadata: RPCMetadata,
    readonly request: IncomingMessage,
    readonly response: ServerResponse,
    readonly hooks: HttpServerHooks,
  ) {}

  /**
   * Called as the response is finished (its 'prefinish', inside the handler's
   * `res.end`): the request still holds express's matched route and mount path.
   */
  noteRoute(): void {
    if (this.metadata.route !== undefined || !this.hooks.expressRoutes()) return;
    const route = expressRoute(this.request);
    if (route !== undefined) this.metadata.route = route;
  }

  /** The response is done: status, route, captured headers and bodies, end. */
  finish(): void {
    if (this.#ended) return;
    this.#ended = true;
    try {
      this.noteRoute();
      const span = this.span;
      const status = this.response.statusCode;
      span.setAttribute('http.response.status_code', status);
      const route = this.metadata.route;
      if (route !== undefined) {
        span.setAttribute('http.route', route);
        if (route) span.updateName(`${this.request.method ?? 'GET'} ${route}`);
      }
      if (!(status >= 100 && status < 500)) span.setStatus({ code: SpanStatusCode.ERROR });
      this.hooks.applyCustomAttributesOnSpan(span, this.request, this.response);
    } catch {
      // attributes are best effort; the span still ends
    }
    this.span.end();
  }

  /** The handler threw or the response failed: the span ends in error. */
  fail(err: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    try {
      const error = err instanceof Error ? err : new Error(String(err));
      this.span.setAttribute('error.type', error.name);
      this.span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
      this.span.recordException(error);
    } catch {
      // best effort
    }
    this.span.end();
  }
}

/** Events of the request and response run in the span's context; 'close'/'error' end the span. */
function bindEvents(exchange: Exchange): void {
  const ctx = exchange.context;
  const request = exchange.request as unknown as { emit: Emit };
  const response = exchange.response as unknown as { emit: Emit };
  const requestEmit = request.emit;
  const responseEmit = response.emit;
  request.emit = function (this: unknown, event: string | symbol, ...args: unknown[]): boolean {
    return context.with(ctx, requestEmit, this, event, ...args);
  };
  response.emit = function (this: unknown, event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'prefinish') exchange.noteRoute();
    else if (event === 'close') exchange.finish();
    else if (event === 'error') exchange.fail(args[0]);
    return context.with(ctx, responseEmit, this, event, ...args);
  };
  // The agent's capture (headers at the end, bodies as they stream) wraps on top of these.
  try {
    exchange.hooks.requestHook(exchange.span, exchange.request);
    exchange.hooks.responseHook(exchange.span, exchange.response);
  } catch {
    // capture never breaks the request
  }
}

type ExpressRequest = IncomingMessage & { baseUrl?: unknown; route?: { path?: unknown } };

/**
 * The route express matched, as `http.route`: the mount path (`req.baseUrl`)
 * joined with the route's path pattern (`req.route.path`), both set by express
 * 4 and 5 while the request is inside the matched route; undefined when no
 * route matched (a 404, or a response from middleware). Paths given as arrays
 * or regular expressions are written as @opentelemetry/instrumentation-express
 * writes them. A mount path with parameters (`app.use('/users/:id', router)`)
 * shows its values here; capture.expressLayerSpans, which tracks each layer,
 * keeps its pattern.
 */
export function expressRoute(request: IncomingMessage): string | undefined {
  const r = (request as ExpressRequest).route;
  if (!r || typeof r !== 'object') return undefined;
  const path = routePath(r.path);
  if (path === undefined) return undefined;
  const base = (request as ExpressRequest).baseUrl;
  return typeof base === 'string' && base !== '' ? base + path : path;
}

function routePath(path: unknown): string | undefined {
  if (typeof path === 'string') return path;
  if (path instanceof RegExp) return path.toString();
  if (Array.isArray(path)) return path.map((p) => routePath(p) ?? '').join(',');
  return undefined;
}
