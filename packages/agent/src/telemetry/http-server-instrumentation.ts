import type { IncomingMessage, ServerResponse } from 'node:http';
import type { InstrumentationScope } from '@opentelemetry/core';
import { InstrumentationBase, InstrumentationNodeModuleDefinition } from '@opentelemetry/instrumentation';
import { AGENT_VERSION } from '../version.ts';
import { applyInContext } from './agent-context-manager.ts';
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
    return function emit(this: unknown, event: string | symbol): boolean {
      // eslint-disable-next-line prefer-rest-params -- forwarded as is, without a copy
      const args = arguments;
      if (event !== 'request') return Reflect.apply(original, this, args) as boolean;
      const request = args[1] as IncomingMessage;
      const response = args[2] as ServerResponse;
      let exchange: Exchange;
      try {
        exchange = Exchange.start(request, response, scheme, scope, deps);
        recent.remember(exchange);
      } catch {
        // never break the application's request because of telemetry
        return Reflect.apply(original, this, args) as boolean;
      }
      try {
        return applyInContext(exchange.context, original, this, args);
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
      emitInExchange(original, ['data', 'close'], (exchange, event, chunk) => {
        if (event === 'data') exchange.observeRequestChunk(chunk);
        else exchange.noteRequestClosed();
      }),
    );
    this._wrap(outgoing, 'emit', (original: Emit) =>
      emitInExchange(original, ['close', 'error'], (exchange, event, arg) => {
        if (event === 'close') exchange.finish();
        else exchange.fail(arg);
      }),
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
 * written out for the usual counts: `original.call(this, a, b)` can be
 * inlined and leaves no arguments object behind, where forwarding
 * `arguments` (Reflect.apply) cannot and does.
 */

/**
 * An `emit` of a request or response. The events the exchange watches
 * (`watched`: 'data' and 'close' of a request, 'close' and 'error' of a
 * response) are seen by the message's exchange (`see`, with the event's first
 * argument); events somebody listens to run in its exchange's context.
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
): Emit {
  const [first, second] = watched;
  return function emit(this: unknown, event: string | symbol, a?: unknown, b?: unknown): boolean {
    if (!passesThrough(event)) {
      const watches = event === first || event === second;
      const listeners = messageField(this as object, '_events') as Listeners;
      const listened = listeners === undefined || listeners === null || listeners[event] !== undefined;
      if (listened || watches) {
        const exchange = recent.of(this);
        if (exchange !== undefined) {
          if (watches) see(exchange, event, a);
          // eslint-disable-next-line prefer-rest-params -- forwarded as is
          if (listened) return applyInContext(exchange.context, original, this, arguments);
        }
      }
    }
    switch (arguments.length) {
      case 1:
        return original.call(this, event);
      case 2:
        return original.call(this, event, a);
      case 3:
        return original.call(this, event, a, b);
      default:
        // eslint-disable-next-line prefer-rest-params -- forwarded as is
        return Reflect.apply(original, this, arguments) as boolean;
    }
  };
}

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
 * `ServerResponse.prototype.write`/`end`: a marked response's body chunks
 * are observed; at `end`, the request still holds express's matched route
 * (noted before 'finish' runs and the router unwinds).
 */
function observeWrite(original: Write, ending: boolean): Write {
  return function observed(this: unknown, chunk?: unknown, encoding?: unknown, callback?: unknown): unknown {
    const exchange = recent.of(this);
    if (exchange !== undefined) {
      exchange.observeResponseChunk(chunk, encoding);
      if (ending) exchange.noteRoute();
    }
    switch (arguments.length) {
      case 0:
        return original.call(this);
      case 1:
        return original.call(this, chunk);
      case 2:
        return original.call(this, chunk, encoding);
      case 3:
        return original.call(this, chunk, encoding, callback);
      default:
        // eslint-disable-next-line prefer-rest-params -- forwarded as is
        return Reflect.apply(original, this, arguments);
    }
  };
}
