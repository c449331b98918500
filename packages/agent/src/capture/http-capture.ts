import type { ClientRequest, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Attributes, Span } from '@opentelemetry/api';
import type { CaptureConfig } from '../config/agent-config.ts';
import type { ConfigStore } from '../config/config-store.ts';
import { ObjectSink, type AttributeSink } from '../telemetry/attribute-encoding.ts';
import {
  SentHeaders,
  blockHeader,
  captureHeaders,
  rawHeader,
  type CapturedHeaders,
} from './header-capture.ts';
import { PayloadCollector, capturableContentType, payloadKeys } from './payload-capture.ts';

/** Headers in a form the capture reads (an object, node:http's header block, a raw list, or SentHeaders; see CapturedHeaders). */
type Headers = IncomingMessage['headers'] | OutgoingHttpHeaders | CapturedHeaders;

const REQUEST_PAYLOAD = payloadKeys('http.request.payload');
const RESPONSE_PAYLOAD = payloadKeys('http.response.payload');

/**
 * The captured attributes of one HTTP exchange, client or server side:
 * headers of both directions by the capture rules (secrets redacted), and the
 * bodies collected so far when their content type is text worth capturing.
 */
export function exchangeAttributes(
  capture: CaptureConfig,
  requestHeaders: Headers,
  responseHeaders: Headers,
  requestBody: PayloadCollector | undefined,
  responseBody: PayloadCollector | undefined,
  into: Attributes,
): void {
  captureExchange(
    capture,
    requestHeaders,
    responseHeaders,
    requestBody,
    responseBody,
    new ObjectSink(into, Infinity),
  );
}

/** The same, into a sink (see attribute-encoding.ts). */
export function captureExchange(
  capture: CaptureConfig,
  requestHeaders: Headers | undefined,
  responseHeaders: Headers | undefined,
  requestBody: PayloadCollector | undefined,
  responseBody: PayloadCollector | undefined,
  sink: AttributeSink,
): void {
  captureHeaders('request', requestHeaders as CapturedHeaders | undefined, capture.headers, sink);
  captureHeaders('response', responseHeaders as CapturedHeaders | undefined, capture.headers, sink);
  if (!capture.payloads.enabled) return;
  const types = capture.payloads.contentTypes;
  if (requestBody && capturableContentType(contentType(requestHeaders), types))
    requestBody.writeToSink(REQUEST_PAYLOAD, sink);
  if (responseBody && capturableContentType(contentType(responseHeaders), types))
    responseBody.writeToSink(RESPONSE_PAYLOAD, sink);
}

function contentType(headers: Headers | undefined): unknown {
  if (headers === undefined) return undefined;
  if (typeof headers === 'string') return blockHeader(headers, 'content-type');
  if (headers instanceof SentHeaders) return headers.get('content-type');
  if (Array.isArray(headers)) return rawHeader(headers as readonly string[], 'content-type');
  return (headers as OutgoingHttpHeaders)['content-type'];
}

/**
 * Headers and bodies of outgoing HTTP requests (node:http / node:https
 * clients), for @opentelemetry/instrumentation-http's hooks (the server side
 * is HttpServerInstrumentation's: the agent turns upstream's incoming side
 * off). Bodies are observed, never consumed: the request's by wrapping its
 * `write`/`end`, the response's by wrapping its `emit` (so 'data' events the
 * application asks for are seen, and a body nobody reads is not pulled).
 * Attributes are set in `applyCustomAttributesOnSpan`, which runs just before
 * the span ends.
 */
const BODIES = Symbol('spyglass.bodies');

interface Bodies {
  request?: PayloadCollector;
  response?: PayloadCollector;
}
type WithBodies = { [BODIES]?: Bodies };

export function createHttpHooks(config: ConfigStore) {
  /** The bodies observer, when payloads are captured and the span records. */
  const collector = (span: Span): PayloadCollector | undefined => {
    const payloads = config.capture.payloads;
    // A span the sampler dropped records nothing: its bodies need no observer.
    if (!payloads.enabled || payloads.maxBytes === 0 || !span.isRecording()) return undefined;
    return new PayloadCollector(payloads.maxBytes);
  };
  const bodiesOf = (span: Span): Bodies => ((span as Span & WithBodies)[BODIES] ??= {});

  return {
    requestHook: (span: Span, request: ClientRequest | IncomingMessage): void => {
      if (isIncoming(request)) return; // a server request: not the client side's
      const body = collector(span);
      if (!body) return;
      bodiesOf(span).request = body;
      observeRequest(request, body);
    },

    responseHook: (span: Span, response: IncomingMessage | ServerResponse): void => {
      if (!isIncoming(response)) return; // a server response: not the client side's
      const body = collector(span);
      if (!body) return;
      bodiesOf(span).response = body;
      observeResponse(response, body);
    },

    applyCustomAttributesOnSpan: (
      span: Span,
      request: ClientRequest | IncomingMessage,
      response: IncomingMessage | ServerResponse,
    ): void => {
      if (!span.isRecording() || isIncoming(request) || !isIncoming(response)) return;
      const bodies = (span as Span & WithBodies)[BODIES];
      const attributes: Attributes = {};
      exchangeAttributes(
        config.capture,
        request.getHeaders(),
        response.headers,
        bodies?.request,
        bodies?.response,
        attributes,
      );
      span.setAttributes(attributes);
    },
  };
}

function isIncoming(message: object): message is IncomingMessage {
  return 'headers' in message && 'httpVersion' in message;
}

function observeResponse(message: IncomingMessage, collector: PayloadCollector): void {
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

function observeRequest(message: ClientRequest, collector: PayloadCollector): void {
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
