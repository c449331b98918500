import type { ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import type { Attributes, Span } from '@opentelemetry/api';
import type { ConfigStore } from '../config/config-store.ts';
import { headerAttributes } from './header-capture.ts';
import { PayloadCollector, capturableContentType } from './payload-capture.ts';

/**
 * Headers and bodies of HTTP exchanges (node:http / node:https), for the
 * http instrumentation's hooks. Bodies are observed, never consumed: the
 * incoming side by wrapping the message's `emit` (so 'data' events the
 * application asks for are seen, and a body nobody reads is not pulled), the
 * outgoing side by wrapping `write`/`end`. Attributes are set in
 * `applyCustomAttributesOnSpan`, which runs just before the span ends.
 */
const BODIES = Symbol('spyglass.bodies');

interface Bodies {
  request?: PayloadCollector;
  response?: PayloadCollector;
}
type WithBodies = { [BODIES]?: Bodies };

export function createHttpHooks(config: ConfigStore) {
  const bodiesOf = (span: Span): Bodies => {
    const s = span as Span & WithBodies;
    return (s[BODIES] ??= {});
  };

  return {
    requestHook: (span: Span, request: ClientRequest | IncomingMessage): void => {
      const payloads = config.capture.payloads;
      // A span the sampler dropped records nothing: its bodies need no observer.
      if (!payloads.enabled || payloads.maxBytes === 0 || !span.isRecording()) return;
      // An incoming request without a body (most GETs) needs no observer.
      if (isIncoming(request) && !hasBody(request)) return;
      const collector = new PayloadCollector(payloads.maxBytes);
      bodiesOf(span).request = collector;
      if (isIncoming(request)) observeIncoming(request, collector);
      else observeOutgoing(request, collector);
    },

    responseHook: (span: Span, response: IncomingMessage | ServerResponse): void => {
      const payloads = config.capture.payloads;
      // A span the sampler dropped records nothing: its bodies need no observer.
      if (!payloads.enabled || payloads.maxBytes === 0 || !span.isRecording()) return;
      const collector = new PayloadCollector(payloads.maxBytes);
      bodiesOf(span).response = collector;
      if (isIncoming(response)) observeIncoming(response, collector);
      else observeOutgoing(response, collector);
    },

    applyCustomAttributesOnSpan: (
      span: Span,
      request: ClientRequest | IncomingMessage,
      response: IncomingMessage | ServerResponse,
    ): void => {
      if (!span.isRecording()) return;
      const capture = config.capture;
      const attributes: Attributes = {};
      const requestHeaders = isIncoming(request) ? request.headers : request.getHeaders();
      const responseHeaders = isIncoming(response) ? response.headers : response.getHeaders();
      headerAttributes('request', requestHeaders, capture.headers, attributes);
      headerAttributes('response', responseHeaders, capture.headers, attributes);
      const bodies = (span as Span & WithBodies)[BODIES];
      if (bodies && capture.payloads.enabled) {
        const types = capture.payloads.contentTypes;
        if (bodies.request && capturableContentType(requestHeaders['content-type'], types))
          bodies.request.writeTo('http.request.payload', attributes);
        if (bodies.response && capturableContentType(responseHeaders['content-type'], types))
          bodies.response.writeTo('http.response.payload', attributes);
      }
      span.setAttributes(attributes);
    },
  };
}

function hasBody(request: IncomingMessage): boolean {
  const length = request.headers['content-length'];
  return (length !== undefined && length !== '0') || request.headers['transfer-encoding'] !== undefined;
}

function isIncoming(message: object): message is IncomingMessage {
  return 'headers' in message && 'httpVersion' in message;
}

function observeIncoming(message: IncomingMessage, collector: PayloadCollector): void {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called below with the original receiver
  const emit = message.emit;
  message.emit = function (this: IncomingMessage, event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'data') {
      try {
        collector.add(args[0]);
      } catch {
        // observing must never break the application's stream
      }
    }
    return emit.call(this, event, ...args);
  } as typeof message.emit;
}

function observeOutgoing(message: ClientRequest | ServerResponse, collector: PayloadCollector): void {
  /* eslint-disable @typescript-eslint/unbound-method -- called below with the original receiver */
  const write = message.write;
  const end = message.end;
  /* eslint-enable @typescript-eslint/unbound-method */
  message.write = function (this: typeof message, chunk: unknown, ...rest: unknown[]): boolean {
    try {
      collector.add(chunk, rest[0]);
    } catch {
      // never break the application's write
    }
    return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof message.write;
  message.end = function (this: typeof message, ...args: unknown[]) {
    try {
      if (typeof args[0] !== 'function') collector.add(args[0], args[1]);
    } catch {
      // never break the application's end
    }
    return (end as (...a: unknown[]) => typeof message).apply(this, args);
  } as typeof message.end;
}
