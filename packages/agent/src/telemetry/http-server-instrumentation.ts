import type { IncomingMessage, ServerResponse } from 'node:http';
import type { InstrumentationScope } from '@opentelemetry/core';
import { InstrumentationBase, InstrumentationNodeModuleDefinition } from '@opentelemetry/instrumentation';
import { AGENT_VERSION } from '../version.ts';
import { applyInContext, callInContext } from './agent-context-manager.ts';
import { Exchange, type HttpServerDeps } from './http-server-exchange.ts';
import { messageField } from './message-field.ts';
import { RecentExchanges } from './recent-exchanges.ts';

type Emit = (this: unknown, event: string | symbol, ...args: unknown[]) => boolean;
type Write = (this: unknown, chunk?: unknown, encoding?: unknown, callback?: unknown) => unknown;
type HttpModule = {
  Server?: { prototype: { emit: Emit } };
  IncomingMessage?: { prototype: { emit: Emit } };
  ServerResponse?: { prototype: { emit: Emit; write: Write; end: Write } };
};

/** The exchanges of the latest requests, by which events and writes find theirs. */
const recent = new RecentExchanges();

/**
 * The HTTP server span, in place of @opentelemetry/instrumentation-http's
 * incoming side (which the agent configures with
 * disableIncomingRequestInstrumentation): the same span, attributes and
 * context contract, for much less work per request. node:http and node:https
 * are patched when the application loads them, as upstream does:
 * - `Server.prototype.emit('request')` starts an Exchange (the span, sampled
 *   like any other; see http-server-exchange.ts), keeps it among the recent
 *   ones (recent-exchanges.ts: found by the request's and response's
 *   identity), and runs the application's handler in its context;
 * - `IncomingMessage.prototype.emit` and `ServerResponse.prototype.emit` run a
 *   server message's events in its exchange's context (upstream binds both
 *   emitters per request, which wraps every listener added to them) and see
 *   'data' and 'close' of the request (its body, its end), 'close' (the end)
 *   and 'error' of the response;
 * - `ServerResponse.prototype.write`/`end` see the response body, and `end`
 *   express's route.
 * Patching the prototypes once, rather than each request's objects, costs
 * another message (a client's response) a look through the recent exchanges
 * and one property read per event it is listened to for.
 * express's route is read from the request when the response finishes
 * (`req.baseUrl` + `req.route.path`, see expressRoute) instead of tracking every
 * middleware layer as @opentelemetry/instrumentation-express does; that
 * instrumentation runs only for capture.expressLayerSpans.
 */
export class HttpServerInstrumentation extends InstrumentationBase {
  readonly #deps: HttpServerDeps;
  readonly #scope: InstrumentationScope;
  /** The ServerResponse prototype whose messages are patched (node:http and node:https share it). */
  #patchedMessages: object | undefined;

  constructor(deps: HttpServerDeps) {
    super('spyglass-http-server', AGENT_VERSION, { enabled: false });
    this.#deps = deps;
    this.#scope = { name: this.instrumentationName, version: this.instrumentationVersion };
  }

  protected init() {
    return (['http', 'https'] as const).map(
      (scheme) =>
        new InstrumentationNodeModuleDefinition(
          scheme,
          ['*'],
          (moduleExports: HttpModule | undefined) => {
            const server = moduleExports?.Server?.prototype;
            if (server)
              this._wrap(server, 'emit', (original: Emit) => this.#patchServerEmit(original, scheme));
            // The message classes are node:http's (node:https uses them too).
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            this.#patchMessages(scheme === 'http' ? moduleExports : (require('node:http') as HttpModule));
            return moduleExports;
          },
          (moduleExports: HttpModule | undefined) => {
            const server = moduleExports?.Server?.prototype;
            if (server) this._unwrap(server, 'emit');
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            this.#unpatchMessages(scheme === 'http' ? moduleExports : (require('node:http') as HttpModule));
          },
        ),
    );
  }

  #patchServerEmit(original: Emit, scheme: 'http' | 'https'): Emit {
    const deps = this.#deps;
    const scope = this.#scope;
    // node:http emits 'request' with the request and the response; an emit of it with other
    // arguments (by the application) goes through as it is, untraced.
    return function emit(
      this: unknown,
      event: string | symbol,
      request?: unknown,
      response?: unknown,
    ): boolean {
      if (event !== 'request' || arguments.length !== 3)
        // eslint-disable-next-line prefer-rest-params -- forwarded as is, without a copy
        return Reflect.apply(original, this, arguments) as boolean;
      let exchange: Exchange;
      try {
        exchange = Exchange.start(
          request as IncomingMessage,
          response as ServerResponse,
          scheme,
          scope,
          deps,
        );
        recent.remember(exchange);
      } catch {
        // never break the application's request because of telemetry
        return original.call(this, event, request, response);
      }
      try {
        return callInContext(exchange.context, original, this, 3, event, request, response);
      } catch (err) {
        exchange.fail(err);
        throw err;
      }
    };
  }

  #patchMessages(http: HttpModule | undefined): void {
    const incoming = http?.IncomingMessage?.prototype;
    const outgoing = http?.ServerResponse?.prototype;
    if (!incoming || !outgoing || this.#patchedMessages === outgoing) return;
    this.#patchedMessages = outgoing;
    this._wrap(incoming, 'emit', (original: Emit) =>
      emitInExchange(
        original,
        ['data', 'close'],
        (exchange, event, chunk) => {
          if (event === 'data') exchange.observeRequestChunk(chunk);
          else exchange.noteRequestClosed();
        },
        (_exchange, event, listener) => event === 'end' && isClearIncoming(listener),
      ),
    );
    this._wrap(outgoing, 'emit', (original: Emit) =>
      emitInExchange(
        original,
        ['close', 'error'],
        (exchange, event, arg) => {
          if (event === 'close') exchange.finish();
          else exchange.fail(arg);
        },
        (exchange, event, listener) => event === 'finish' && listener === exchange.nodeFinishListener,
      ),
    );
    this._wrap(outgoing, 'write', (original: Write) => observeWrite(original, false));
    this._wrap(outgoing, 'end', (original: Write) => observeWrite(original, true));
  }

  #unpatchMessages(http: HttpModule | undefined): void {
    const incoming = http?.IncomingMessage?.prototype;
    const outgoing = http?.ServerResponse?.prototype;
    if (!incoming || !outgoing || this.#patchedMessages !== outgoing) return;
    this.#patchedMessages = undefined;
    this._unwrap(incoming, 'emit');
    for (const method of ['emit', 'write', 'end'] as const) this._unwrap(outgoing, method);
  }
}

/** EventEmitter's own listener table, `_events` (a null-prototype object, or undefined before the first listener). */
type Listeners = Record<string | symbol, unknown> | null | undefined;

/*
 * The wrappers below call the original with the arguments they were given,
 * written out for the usual counts: `original.call(this, a, b)` leaves no
 * arguments object behind, where passing `arguments` on does. Each wrapper
 * has its own switch, not a shared helper's: a call site sees one or two
 * originals here, where one in a helper would see every wrapped method.
 */

/**
 * An `emit` of a request or response. The events the exchange watches
 * (`watched`: 'data' and 'close' of a request, 'close' and 'error' of a
 * response) are seen by the message's exchange (`see`, with the event's first
 * argument); events somebody listens to run in its exchange's context,
 * unless their one listener is node:http's own (`nodeOwn`, see isClearIncoming).
 * Other events go straight through, without looking for the exchange: a context
 * matters only to a listener, and switching costs an AsyncLocalStorage run;
 * those of passesThrough (below) without reading the listener table either.
 * The listener table is read, not listenerCount(): it is EventEmitter's own
 * field, and an emitter without it (a replaced prototype) counts as listened to.
 */
function emitInExchange(
  original: Emit,
  watched: readonly [string, string?],
  see: (exchange: Exchange, event: string | symbol, arg: unknown) => void,
  nodeOwn: (exchange: Exchange, event: string | symbol, listener: unknown) => boolean,
): Emit {
  const [first, second] = watched;
  /** Shows a watched event to the message's exchange; the exchange to run the listeners in, if any. */
  const exchangeFor = (message: unknown, event: string | symbol, arg: unknown): Exchange | undefined => {
    if (passesThrough(event)) return undefined;
    const watches = event === first || event === second;
    const listeners = messageField(message as object, '_events') as Listeners;
    const tableless = listeners === undefined || listeners === null;
    const listener = tableless ? undefined : listeners[event];
    const listened = tableless || listener !== undefined;
    if (!listened && !watches) return undefined;
    const exchange = recent.of(message);
    if (exchange === undefined) return undefined;
    if (watches) see(exchange, event, arg);
    if (!listened || (listener !== undefined && nodeOwn(exchange, event, listener))) return undefined;
    return exchange;
  };
  // The usual emit, of at most two arguments after the event, handed on one by one (see
  // HookContextStorage.call: an arguments object passed on would be made for every event).
  function emit(this: unknown, event: string | symbol, a?: unknown, b?: unknown): boolean {
    const count = arguments.length;
    if (count > 3)
      // eslint-disable-next-line prefer-rest-params -- forwarded as is, without a copy
      return Reflect.apply(emitMany, this, arguments) as boolean;
    const exchange = exchangeFor(this, event, a);
    if (exchange !== undefined) return callInContext(exchange.context, original, this, count, event, a, b);
    switch (count) {
      case 0:
        return (original as (this: unknown) => boolean).call(this);
      case 1:
        return original.call(this, event);
      case 2:
        return original.call(this, event, a);
      default:
        return original.call(this, event, a, b);
    }
  }
  // Any other emit: the same, with its arguments as they came.
  function emitMany(this: unknown, event: string | symbol, a?: unknown): boolean {
    const exchange = exchangeFor(this, event, a);
    // eslint-disable-next-line prefer-rest-params -- forwarded as is
    if (exchange !== undefined) return applyInContext(exchange.context, original, this, arguments);
    // eslint-disable-next-line prefer-rest-params -- forwarded as is
    return Reflect.apply(original, this, arguments) as boolean;
  }
  return emit;
}

/**
 * Whether `listener` is node:http's `clearIncoming`, which it adds to a
 * request's 'end' when the response is done (it clears the parser's pointer
 * to the request): learned by its name from the first requests, then known
 * by identity. Like the response's own 'finish' listener (`resOnFinish`,
 * Exchange.nodeFinishListener) it needs no context, so an event whose only
 * listener is one of them goes through without the context check (~400
 * instructions each per request: the current resource's lookup and its
 * context's read). Their work runs in the context of the call that emitted
 * the event, usually the handler's: the connection's keep-alive timer, armed
 * by `resOnFinish`, holds that request's context until the connection's next
 * request. The exchange lets go of the request and the response once settled
 * (Exchange.#release), so that is small; running them in the context of no
 * request instead cost a context switch per request (+4 to +26 K
 * instructions on Node.js 24, the twenty-third session) for little more.
 */
function isClearIncoming(listener: unknown): boolean {
  if (listener === clearIncoming) return true;
  if (clearIncoming !== undefined || triesLeft === 0 || typeof listener !== 'function') return false;
  triesLeft--;
  try {
    if (listener.name !== 'clearIncoming') return false;
  } catch {
    return false; // a proxy's trap may throw; the application's emit must not
  }
  clearIncoming = listener;
  return true;
}
let clearIncoming: unknown;
/** 'end' listeners looked at by name before giving up (an application whose requests always have its own). */
let triesLeft = 64;

/**
 * Events of a request or response whose listeners need no context of the
 * exchange (none of them is one the exchange watches), let through before the
 * message is read at all: the stream machinery's and node:http's own
 * ('prefinish' from `end()`, 'resume' and 'pause' of flowing mode, 'socket'
 * before the handler runs) and the emitter's bookkeeping. Three of the eight
 * events of a plain GET are among them. After express has moved a message
 * onto its application's prototypes, every read of the message's fields is
 * a generic lookup (see message-field.ts); the listener table's read is one.
 * The few listeners of these events run in the context of the call that
 * emits them, which for 'prefinish' and 'resume' is the handler's own.
 */
function passesThrough(event: string | symbol): boolean {
  return (
    event === 'prefinish' ||
    event === 'resume' ||
    event === 'socket' ||
    event === 'pause' ||
    event === 'newListener' ||
    event === 'removeListener'
  );
}

/**
 * `ServerResponse.prototype.write`/`end`: a server response's body chunks
 * are observed (its exchange found among the recent ones); at `end`, the request still holds express's matched route
 * (noted before 'finish' runs and the router unwinds).
 */
function observeWrite(original: Write, ending: boolean): Write {
  return function observed(this: unknown, chunk?: unknown, encoding?: unknown, callback?: unknown): unknown {
    const exchange = recent.of(this);
    if (exchange !== undefined) {
      exchange.observeResponseChunk(chunk, encoding);
      if (ending) exchange.noteRoute();
    }
    const count = arguments.length;
    // eslint-disable-next-line prefer-rest-params -- forwarded as is
    if (count > 3) return Reflect.apply(original, this, arguments);
    switch (count) {
      case 0:
        return original.call(this);
      case 1:
        return original.call(this, chunk);
      case 2:
        return original.call(this, chunk, encoding);
      default:
        return original.call(this, chunk, encoding, callback);
    }
  };
}
