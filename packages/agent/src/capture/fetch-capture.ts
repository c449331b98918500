/* eslint-disable @typescript-eslint/no-require-imports -- node:zlib is loaded only to decode a compressed body */
import dc from 'node:diagnostics_channel';
import { createRequire } from 'node:module';
import type { Attributes, Span, TimeInput } from '@opentelemetry/api';
import type { UndiciRequest, UndiciResponse } from '@opentelemetry/instrumentation-undici';
import type { ConfigStore } from '../config/config-store.ts';
import { headerAttributes, undiciHeaders } from './header-capture.ts';
import { PayloadCollector, capturableContentType, payloadAttributes } from './payload-capture.ts';

/**
 * Headers and bodies of fetch (undici) exchanges, for the undici
 * instrumentation's `requestHook` and `responseHook`.
 *
 * undici hands fetch's request body to the socket itself (an async iterable
 * over the body's stream, whatever the application gave: string, bytes,
 * URLSearchParams, Blob, ReadableStream), and the response body reaches the
 * application through a stream it reads. Neither is touched here: both are
 * observed one chunk at a time where undici passes it between the socket and
 * fetch, on the `Request` object that `undici:request:create` publishes:
 *
 * - undici 7.11+ (bundled since Node.js 24.4, or the undici package) publishes
 *   every chunk on `undici:request:bodyChunkSent` and
 *   `undici:request:bodyChunkReceived`;
 * - older undici (Node.js 18, 20, 22, 24.0 to 24.3) publishes no chunk, so the
 *   request's own `onBodySent(chunk)` / `onData(chunk)` are wrapped, on that
 *   one object.
 *
 * A request class seen publishing is not wrapped again, and a wrapped call
 * during which the channel published adds nothing, so no chunk counts twice.
 *
 * The response is observed as undici receives it rather than as the
 * application reads it: the instrumentation ends the span at
 * `undici:request:trailers`, when undici has received the whole body, which
 * for a small body is before the application reads anything. Every byte the
 * application can read has gone through `onData` by then, so the payload is
 * complete when the span ends; bytes are never pulled early (undici reads the
 * socket as fetch's stream asks, under its own backpressure). The bytes are
 * those on the wire: a body fetch decompresses (content-encoding gzip,
 * deflate, br) is kept compressed, up to maxBytes, and decoded when the span
 * ends, so the payload shows what the application reads while `.size` counts
 * the bytes received.
 *
 * The attributes are set just before the span ends (the span's `end` is
 * wrapped for that span only), whichever way it ends: trailers, error, abort.
 */
const SENT = 'undici:request:bodyChunkSent';
const RECEIVED = 'undici:request:bodyChunkReceived';

type Side = 'request' | 'response';

interface Exchange {
  readonly span: Span;
  request?: PayloadCollector | undefined;
  response?: PayloadCollector | undefined;
  /** How fetch decodes the response (gzip, deflate, br; '' for none): the kept bytes are decoded at the end. */
  encoding: string;
  /** Chunks the channels delivered so far, per side. */
  readonly published: { request: number; response: number };
}

/** By undici request object (the one the channels publish). */
const exchanges = new WeakMap<object, Exchange>();
/** Request classes (prototypes) seen publishing chunks: their requests need no wrapped method. */
const publishing = { request: new WeakSet<object>(), response: new WeakSet<object>() };

export function createFetchHooks(config: ConfigStore) {
  return {
    requestHook: (span: Span, request: UndiciRequest): void => {
      try {
        // A span the sampler dropped records nothing: no headers to read, no body to observe.
        if (!span.isRecording()) return;
        const capture = config.capture;
        const headers = undiciHeaders(request.headers);
        const attributes: Attributes = {};
        headerAttributes('request', headers, capture.headers, attributes);
        span.setAttributes(attributes);
        const payloads = capture.payloads;
        if (!payloads.enabled || payloads.maxBytes === 0) return;
        // No body (a GET), or one of a content type not captured.
        if ('body' in request && request.body == null) return;
        if (!capturableContentType(headers['content-type'], payloads.contentTypes)) return;
        const exchange = exchangeFor(span, request, config);
        exchange.request = new PayloadCollector(payloads.maxBytes);
        tap(request, 'onBodySent', 'request', exchange);
      } catch {
        // observing must never break the application's request
      }
    },

    responseHook: (span: Span, info: { request: UndiciRequest; response: UndiciResponse }): void => {
      try {
        const { request, response } = info;
        if (!span.isRecording()) return;
        const capture = config.capture;
        const headers = undiciHeaders(response.headers);
        const attributes: Attributes = {};
        headerAttributes('response', headers, capture.headers, attributes);
        span.setAttributes(attributes);
        const payloads = capture.payloads;
        if (!payloads.enabled || payloads.maxBytes === 0) return;
        if (!capturableContentType(headers['content-type'], payloads.contentTypes)) return;
        const encoding = decodableEncoding(headers['content-encoding']);
        if (encoding === undefined) return;
        const exchange = exchangeFor(span, request, config);
        exchange.response = new PayloadCollector(payloads.maxBytes);
        exchange.encoding = encoding;
        tap(request, 'onData', 'response', exchange);
      } catch {
        // observing must never break the application's response
      }
    },
  };
}

function exchangeFor(span: Span, request: object, config: ConfigStore): Exchange {
  const known = exchanges.get(request);
  if (known?.span === span) return known;
  const exchange: Exchange = { span, encoding: '', published: { request: 0, response: 0 } };
  exchanges.set(request, exchange);
  subscribeOnce();
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called below with the span as receiver
  const end = span.end;
  span.end = (endTime?: TimeInput): void => {
    try {
      finish(exchange, config);
    } catch {
      // the span still ends
    }
    end.call(span, endTime);
  };
  return exchange;
}

/** Sets the payload attributes and stops observing. */
function finish(exchange: Exchange, config: ConfigStore): void {
  const { request, response, span } = exchange;
  exchange.request = exchange.response = undefined;
  if (!span.isRecording() || !config.capture.payloads.enabled) return;
  const attributes: Attributes = {};
  request?.writeTo('http.request.payload', attributes);
  if (response && exchange.encoding) writeDecoded(response, exchange.encoding, attributes);
  else response?.writeTo('http.response.payload', attributes);
  span.setAttributes(attributes);
}

/**
 * Wraps one request's `onBodySent` / `onData` (undici before 7.11, which
 * publishes no chunks) so each chunk is seen as undici passes it on. Nothing
 * else changes: same arguments, same receiver, same return value.
 */
function tap(request: object, method: 'onBodySent' | 'onData', side: Side, exchange: Exchange): void {
  const target = request as Record<string, unknown>;
  const original = target[method];
  if (typeof original !== 'function' || publishing[side].has(Object.getPrototypeOf(request) as object))
    return;
  target[method] = function (this: unknown, ...args: unknown[]): unknown {
    const published = exchange.published[side];
    const result = (original as (...a: unknown[]) => unknown).apply(this, args);
    // undici 7.11+ published this chunk on its channel from inside the call: already seen.
    if (exchange.published[side] === published) {
      try {
        exchange[side]?.add(args[0]);
      } catch {
        // observing must never break undici
      }
    }
    return result;
  };
}

let subscribed = false;
/** Held here: before Node.js 18.19 a channel nobody references could be collected with its subscribers. */
const channels: unknown[] = [];

function subscribeOnce(): void {
  if (subscribed) return;
  subscribed = true;
  for (const [name, side] of [
    [SENT, 'request'],
    [RECEIVED, 'response'],
  ] as const) {
    try {
      channels.push(dc.channel(name));
      dc.subscribe(name, onChunk(side));
    } catch {
      // an older Node.js: the wrapped methods see the chunks
    }
  }
}

function onChunk(side: Side) {
  return (message: unknown): void => {
    try {
      const { request, chunk } = message as { request?: object; chunk?: unknown };
      if (typeof request !== 'object' || request === null) return;
      const prototype = Object.getPrototypeOf(request) as object | null;
      if (prototype && prototype !== Object.prototype) publishing[side].add(prototype);
      const exchange = exchanges.get(request);
      if (!exchange) return;
      exchange.published[side]++;
      exchange[side]?.add(chunk);
    } catch {
      // observing must never break undici
    }
  };
}

/** The content-encoding fetch decodes, as a name decodeWith knows ('' for none); undefined for one it cannot. */
function decodableEncoding(contentEncoding: string | undefined): string | undefined {
  const encoding = contentEncoding?.trim().toLowerCase() ?? '';
  if (encoding === '' || encoding === 'identity') return '';
  if (encoding === 'gzip' || encoding === 'x-gzip') return 'gzip';
  if (encoding === 'deflate' || encoding === 'br') return encoding;
  return undefined; // zstd, compress, several codings: not captured
}

/** The decoded payload of a compressed body, cut at maxBytes; `.size` stays the bytes received. */
function writeDecoded(collector: PayloadCollector, encoding: string, into: Attributes): void {
  if (collector.total === 0) return;
  const kept = collector.kept();
  const decoded = decodePrefix(kept, encoding, collector.maxBytes);
  if (!decoded || decoded.length === 0) return;
  const truncated = collector.total > kept.length || decoded.length > collector.maxBytes;
  payloadAttributes(
    'http.response.payload',
    decoded.subarray(0, collector.maxBytes),
    collector.total,
    truncated,
    into,
  );
}

let zlib: typeof import('node:zlib') | undefined;
const loadZlib = (): typeof import('node:zlib') =>
  (zlib ??=
    typeof require === 'function'
      ? (require('node:zlib') as typeof import('node:zlib'))
      : (createRequire(import.meta.url)('node:zlib') as typeof import('node:zlib')));

/**
 * Decodes the start of a compressed body (the input may be cut anywhere).
 * Output is bounded: a prefix that would inflate beyond the bound (a
 * compression bomb) is retried shorter, and given up after a few tries.
 */
export function decodePrefix(input: Buffer, encoding: string, maxBytes: number): Buffer | undefined {
  const limit = Math.max(maxBytes * 64, 64 * 1024);
  let prefix = input;
  for (let attempt = 0; attempt < 6 && prefix.length > 0; attempt++) {
    try {
      return decodeWith(encoding, prefix, limit);
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'ERR_BUFFER_TOO_LARGE') return undefined;
      prefix = prefix.subarray(0, prefix.length >> 2);
    }
  }
  return undefined;
}

function decodeWith(encoding: string, input: Buffer, maxOutputLength: number): Buffer {
  const z = loadZlib();
  const options = { finishFlush: z.constants.Z_SYNC_FLUSH, maxOutputLength };
  if (encoding === 'gzip') return z.gunzipSync(input, options);
  if (encoding === 'br')
    return z.brotliDecompressSync(input, {
      finishFlush: z.constants.BROTLI_OPERATION_FLUSH,
      maxOutputLength,
    });
  try {
    return z.inflateSync(input, options);
  } catch (err) {
    // "deflate" is zlib-wrapped by the standard, raw by some servers; fetch accepts both.
    if ((err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') throw err;
    return z.inflateRawSync(input, options);
  }
}
