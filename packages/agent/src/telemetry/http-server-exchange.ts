import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  INVALID_SPAN_CONTEXT,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  isSpanContextValid,
  trace,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api';
import { RPCType, type InstrumentationScope, type RPCMetadata } from '@opentelemetry/core';
import type { ConfigStore } from '../config/config-store.ts';
import { PayloadCollector } from '../capture/payload-capture.ts';
import { sentHeaders } from '../capture/header-capture.ts';
import { requestFacts } from './http-server-attributes.ts';
import { HttpServerSpan } from './http-server-span.ts';
import { NOT_RECORD, NO_LINKS, PooledSpanContext, sample, type SpanRecorder } from './recording-span.ts';
import { messageField } from './message-field.ts';
import { RequestContext, type RouteSource } from './request-context.ts';
import { requestContext } from './request-propagation.ts';

const NO_ATTRIBUTES: Attributes = Object.freeze({});

/** What the HTTP server span needs from the agent; each is read live, per request. */
export interface HttpServerDeps {
  readonly config: ConfigStore;
  /** The export pipeline (undefined: traces are off, or the pipeline did not start). */
  recorder(): SpanRecorder | undefined;
  /** Whether to read express's route from the request (instrumentations.express). */
  expressRoutes(): boolean;
}

/**
 * One request/response pair: its server span, the context its handler and
 * events run in, and what is captured of it (headers at the end, bodies as
 * they stream by, observed and never consumed). See http-server-instrumentation.ts.
 */
export class Exchange implements RouteSource {
  readonly context: Context;
  readonly metadata: RPCMetadata;
  /**
   * The response's 'finish' listener when the request arrived: node:http's own
   * (`resOnFinish`, added before the application sees the response), or
   * undefined when there was none or more than one. See
   * http-server-instrumentation.ts: it needs no context. Let go once settled
   * (it is bound to the request and the response).
   */
  nodeFinishListener: unknown;
  #ended = false;
  #requestClosed = false;
  /** Set while the span records and bodies are captured. */
  #requestBody: PayloadCollector | undefined;
  #responseBody: PayloadCollector | undefined;

  /**
   * The request and response, until the exchange is settled; then undefined
   * (see #release).
   */
  request: IncomingMessage | undefined;
  response: ServerResponse | undefined;

  private constructor(
    readonly span: Span,
    parent: Context,
    request: IncomingMessage,
    response: ServerResponse,
    private readonly deps: HttpServerDeps,
  ) {
    this.request = request;
    this.response = response;
    this.metadata = { type: RPCType.HTTP, span };
    this.context = new RequestContext(parent, span, this.metadata, this);
    // A named read: the response still has node:http's own hidden class here.
    const finish = (response as unknown as { _events?: Record<string, unknown> })._events?.finish;
    this.nodeFinishListener = typeof finish === 'function' ? finish : undefined;
  }

  /** The server span of a request that just arrived, sampled as any root or remote-child span. */
  static start(
    request: IncomingMessage,
    response: ServerResponse,
    scheme: 'http' | 'https',
    scope: InstrumentationScope,
    deps: HttpServerDeps,
  ): Exchange {
    // node:http's `headers` is a getter with a megamorphic symbol-keyed read inside: read it once.
    const headers = request.headers;
    const parent = requestContext(headers);
    const remote = trace.getSpanContext(parent);
    const parentSpanContext = remote && isSpanContextValid(remote) ? remote : undefined;
    const recorder = deps.recorder();
    if (!recorder) {
      // No pipeline: like the API's no-op tracer, the parent's context goes on (or none).
      return new Exchange(
        trace.wrapSpanContext(parentSpanContext ?? INVALID_SPAN_CONTEXT),
        parent,
        request,
        response,
        deps,
      );
    }
    // Ids first (the sampler decides by the trace id). The agent's sampler (LiveRatioSampler)
    // decides by the trace id and the parent alone: the span's attributes are not built for it.
    const context = PooledSpanContext.create(parentSpanContext, TraceFlags.NONE);
    const sampling = sample(
      recorder,
      context,
      parent,
      parentSpanContext,
      request.method ?? 'GET',
      SpanKind.SERVER,
      NO_ATTRIBUTES,
      NO_LINKS,
    );
    if (sampling.decision === NOT_RECORD)
      return new Exchange(trace.wrapSpanContext(context), parent, request, response, deps);
    const span = new HttpServerSpan(
      context,
      requestFacts(request, headers, scheme),
      sampling.attributes ? { ...sampling.attributes } : {},
      parentSpanContext,
      scope,
      recorder,
    );
    const exchange = new Exchange(span, parent, request, response, deps);
    const payloads = deps.config.capture.payloads;
    if (payloads.enabled && payloads.maxBytes > 0 && hasBody(headers))
      exchange.#requestBody = new PayloadCollector(payloads.maxBytes);
    return exchange;
  }

  /**
   * Both sides are done: the response ended (or failed) and the request
   * closed. No event of either needs the exchange any more.
   */
  get settled(): boolean {
    return this.#ended && this.#requestClosed;
  }

  /** The request emitted 'close'. */
  noteRequestClosed(): void {
    this.#requestClosed = true;
    if (this.settled) this.#release();
  }

  /**
   * Settled: the request, the response and the bodies are let go. The
   * exchange lives on for as long as its context does, and that is longer
   * than the request: whatever was scheduled in the request's context holds
   * it (a timer, a promise; node:http's keep-alive timer of the connection,
   * armed as the response finishes, until the connection's next request).
   * Holding the messages too kept one request per open connection alive
   * under load, copied at every scavenge (Node.js 24, a trivial route: ~215
   * KB per scavenge, 2 KB without the agent), and what survives scavenges is
   * what grows V8's young generation (bench/agent/RESULTS.md, twenty-third
   * session).
   */
  #release(): void {
    this.request = undefined;
    this.response = undefined;
    this.nodeFinishListener = undefined;
    this.#requestBody = undefined;
    this.#responseBody = undefined;
  }

  /** A chunk of the request body the application reads ('data'). */
  observeRequestChunk(chunk: unknown): void {
    try {
      this.#requestBody?.add(chunk);
    } catch {
      // observing never breaks the application's stream
    }
  }

  /** A chunk of the response body the application writes (`write`/`end`). */
  observeResponseChunk(chunk: unknown, encoding: unknown): void {
    if (this.#ended || chunk === undefined || chunk === null || typeof chunk === 'function') return;
    try {
      if (!this.#responseBody) {
        const payloads = this.deps.config.capture.payloads;
        if (!payloads.enabled || payloads.maxBytes === 0 || !this.span.isRecording()) return;
        this.#responseBody = new PayloadCollector(payloads.maxBytes);
      }
      this.#responseBody.add(chunk, encoding);
    } catch {
      // observing never breaks the application's write
    }
  }

  /** The route as far as it is known now (RouteSource): the metadata's, else express's matched one. */
  currentRoute(): string | undefined {
    const route = this.metadata.route;
    const request = this.request;
    if (route !== undefined || request === undefined || !this.deps.expressRoutes()) return route;
    try {
      return expressRoute(request);
    } catch {
      return undefined;
    }
  }

  /**
   * Called as the response is ended (the handler's `res.end`, before node:http
   * emits 'finish'): the request still holds express's matched route and mount path.
   * Only a recording span's name and attributes use it.
   */
  noteRoute(): void {
    if (this.metadata.route !== undefined || !(this.span instanceof HttpServerSpan)) return;
    const route = this.currentRoute();
    if (route !== undefined) this.metadata.route = route;
  }

  /** The response is done: status, route, captured headers and bodies, end. */
  finish(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#endSpan();
    if (this.settled) this.#release();
  }

  #endSpan(): void {
    const span = this.span;
    // Still held: the messages are released once the span has ended.
    const response = this.response as ServerResponse;
    if (!(span instanceof HttpServerSpan)) return;
    try {
      this.noteRoute();
      // Keyed reads (see message-field.ts): express has given both messages new maps by now.
      const status = messageField(response, 'statusCode') as number;
      const route = this.metadata.route;
      if (route) span.updateName(serverSpanName(span.request.method, route));
      if (!(status >= 100 && status < 500)) span.setStatus({ code: SpanStatusCode.ERROR });
      const capture = this.deps.config.capture;
      const captures = capture.headers.mode !== 'off' || this.#requestBody || this.#responseBody;
      span.noteResponse({
        status,
        route,
        capture: captures ? capture : undefined,
        // As received (the headers object may have been changed by the application since).
        requestHeaders: captures ? span.request.rawHeaders : undefined,
        responseHeaders: captures ? sentHeaders(response) : undefined,
        requestBody: this.#requestBody,
        responseBody: this.#responseBody,
      });
    } catch {
      // attributes are best effort; the span still ends
    }
    span.end();
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
    if (this.settled) this.#release();
  }
}

/** `${method} ${route}`, the span's name once a route matched; remembered for the routes seen most. */
const NAMES = new Map<string, Map<string, string>>();
const MAX_NAMES = 256;

function serverSpanName(method: string, route: string): string {
  let byRoute = NAMES.get(method);
  if (byRoute === undefined) {
    if (NAMES.size >= 16) return `${method} ${route}`;
    NAMES.set(method, (byRoute = new Map()));
  }
  let name = byRoute.get(route);
  if (name === undefined) {
    name = `${method} ${route}`;
    if (byRoute.size < MAX_NAMES) byRoute.set(route, name);
  }
  return name;
}

/** A request without Content-Length or Transfer-Encoding (most GETs) has no body to observe. */
function hasBody(headers: IncomingMessage['headers']): boolean {
  const length = headers['content-length'];
  return (length !== undefined && length !== '0') || headers['transfer-encoding'] !== undefined;
}

type ExpressRoute = { path?: unknown };

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
  // Keyed reads (see message-field.ts): express has given the request a new map by now.
  const r = messageField(request, 'route') as ExpressRoute | undefined;
  if (!r || typeof r !== 'object') return undefined;
  const path = routePath(r.path);
  if (path === undefined) return undefined;
  const base = messageField(request, 'baseUrl');
  return typeof base === 'string' && base !== '' ? base + path : path;
}

function routePath(path: unknown): string | undefined {
  if (typeof path === 'string') return path;
  if (path instanceof RegExp) return path.toString();
  if (Array.isArray(path)) return path.map((p) => routePath(p) ?? '').join(',');
  return undefined;
}
