import type { IncomingMessage } from 'node:http';
import type { Attributes } from '@opentelemetry/api';
import { GroupMemo, ObjectSink, attributeKey, type AttributeSink } from './attribute-encoding.ts';
import { messageField } from './message-field.ts';

/**
 * The attributes of an HTTP server span at its start (stable HTTP semantic
 * conventions, as @opentelemetry/instrumentation-http sets them), built with
 * plain string work: no URL or URLSearchParams object for an ordinary
 * origin-form target such as `/orders?id=7`.
 */

const KNOWN_METHODS = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
  'QUERY',
]);
/** Query parameters whose values are signatures or keys (upstream's default list). */
const REDACTED_QUERY_PARAMS = ['sig', 'Signature', 'AWSAccessKeyId', 'X-Goog-Signature'];
const REDACTED = 'REDACTED';

/**
 * What the server span keeps of its request when it arrives: a few reads,
 * parsed and written as attributes only when the span is encoded (with the
 * other spans of its batch, see EncodingSpanProcessor). The method and target
 * are read at once (express rewrites `req.url` while it routes), and so is
 * the peer (the socket may be gone by then).
 */
export interface ServerRequestFacts {
  readonly method: string;
  readonly target: string;
  readonly scheme: 'http' | 'https';
  readonly headers: IncomingMessage['headers'];
  readonly peerAddress: string | undefined;
  readonly peerPort: number | undefined;
  readonly httpVersion: string;
  /**
   * The headers as received (name, value, ...), for their capture when the
   * response is done: read here, while the request still has node:http's own
   * hidden class (a cheap read), not then (see message-field.ts).
   */
  readonly rawHeaders: readonly string[];
}

/** `headers`: the request's (`request.headers`, which the caller has read already). */
export function requestFacts(
  request: IncomingMessage,
  headers: IncomingMessage['headers'],
  scheme: 'http' | 'https',
): ServerRequestFacts {
  const socket = request.socket;
  // node:net keeps the peer it read on the socket (`_peername`) and its getters call
  // _getpeername() each, with megamorphic reads inside: the kept one is read at once.
  const peer = socket ? (messageField(socket, '_peername') as Peer | undefined) : undefined;
  const known = typeof peer === 'object' && peer !== null;
  return {
    method: request.method ?? 'GET',
    target: request.url ?? '/',
    scheme,
    headers,
    peerAddress: known ? peer.address : socket?.remoteAddress,
    peerPort: known ? peer.port : socket?.remotePort,
    httpVersion: request.httpVersion,
    rawHeaders: request.rawHeaders,
  };
}

/** node:net's `_peername`: what getpeername() answered. */
type Peer = { readonly address?: string; readonly port?: number };

const METHOD = attributeKey('http.request.method');
const METHOD_ORIGINAL = attributeKey('http.request.method_original');
const SCHEME = attributeKey('url.scheme');
const PATH = attributeKey('url.path');
const QUERY = attributeKey('url.query');
const SERVER_ADDRESS = attributeKey('server.address');
const SERVER_PORT = attributeKey('server.port');
const PEER_ADDRESS = attributeKey('network.peer.address');
const PEER_PORT = attributeKey('network.peer.port');
const CLIENT_ADDRESS = attributeKey('client.address');
const PROTOCOL_VERSION = attributeKey('network.protocol.version');
const USER_AGENT = attributeKey('user_agent.original');

/**
 * The request's attributes, parsed from its facts straight into `sink`: no
 * record, no object for the target's or the host's parts (this runs for
 * every server span), and for a request line like one before, its
 * attributes copied as encoded then (see GroupMemo).
 */
export function writeServerRequest(facts: ServerRequestFacts, sink: AttributeSink): void {
  const headers = facts.headers;
  const userAgent = headers['user-agent'];
  // Behind a proxy the server address comes from other headers: not worth a longer key.
  if (headers['forwarded'] === undefined && headers['x-forwarded-host'] === undefined) {
    // The request line's attributes follow from these alone; the peer's differ per connection.
    REQUEST_GROUPS.key(
      REQUEST_LINE,
      facts.method,
      facts.scheme,
      facts.target,
      headers.host,
      facts.httpVersion,
      userAgent,
    );
    if (!sink.replayGroup(REQUEST_GROUPS)) {
      writeRequestLine(facts, userAgent, sink);
      sink.endGroup(REQUEST_GROUPS);
    }
  } else writeRequestLine(facts, userAgent, sink);
  const peer = facts.peerAddress;
  if (peer !== undefined) sink.string(PEER_ADDRESS, peer);
  if (facts.peerPort !== undefined) sink.int(PEER_PORT, facts.peerPort);
  const client = forwardedClient(headers) ?? peer;
  if (client !== undefined) sink.string(CLIENT_ADDRESS, client);
}

/** The request line's attributes last written, by method, scheme, target, host, version and user agent. */
const REQUEST_GROUPS = new GroupMemo();
/** The rules part of their key: they depend on no configuration. */
const REQUEST_LINE = Object.freeze({});

/** Method, scheme, path and query, server address and port, protocol version, user agent. */
function writeRequestLine(
  facts: ServerRequestFacts,
  userAgent: string | undefined,
  sink: AttributeSink,
): void {
  const rawMethod = facts.method;
  const method = KNOWN_METHODS.has(rawMethod) ? rawMethod : '_OTHER';
  sink.string(METHOD, method);
  sink.string(SCHEME, facts.scheme);
  if (method !== rawMethod) sink.string(METHOD_ORIGINAL, rawMethod);
  writeTarget(facts.target, sink);
  writeServerAddress(facts.headers, facts.scheme, sink);
  sink.string(PROTOCOL_VERSION, facts.httpVersion);
  if (userAgent !== undefined) sink.string(USER_AGENT, userAgent);
}

/**
 * The request's attributes as an object, at once (the span itself parses its
 * facts only when it is encoded or its attributes are read; this is the
 * request-side parsing on its own, which http-server-attributes.test.ts checks).
 */
export function requestAttributes(request: IncomingMessage, scheme: 'http' | 'https'): Attributes {
  const attributes: Attributes = {};
  writeServerRequest(requestFacts(request, request.headers, scheme), new ObjectSink(attributes, Infinity));
  return attributes;
}

/** url.path and url.query (signature parameters redacted) of the request target. */
function writeTarget(target: string, sink: AttributeSink): void {
  if (target.charCodeAt(0) !== 47 /* '/' */) {
    // absolute-form (proxies) or asterisk-form: let URL parse it.
    let url: URL;
    try {
      url = new URL(target, 'http://localhost');
    } catch {
      sink.string(PATH, target);
      return;
    }
    sink.string(PATH, url.pathname);
    if (url.search) sink.string(QUERY, redactQuery(url.search.slice(1)));
    return;
  }
  const q = target.indexOf('?');
  if (q === -1) {
    sink.string(PATH, target);
    return;
  }
  sink.string(PATH, target.slice(0, q));
  if (q + 1 < target.length) sink.string(QUERY, redactQuery(target.slice(q + 1)));
}

function redactQuery(query: string): string {
  if (!REDACTED_QUERY_PARAMS.some((p) => query.includes(p))) return query;
  const params = new URLSearchParams(query);
  for (const p of REDACTED_QUERY_PARAMS) if (params.has(p)) params.set(p, REDACTED);
  return params.toString();
}

/** server.address / server.port: Forwarded host, X-Forwarded-Host, else Host. */
function writeServerAddress(headers: IncomingMessage['headers'], scheme: string, sink: AttributeSink): void {
  let host: string | undefined;
  let proto = scheme;
  const forwarded = headers['forwarded'];
  if (typeof forwarded === 'string') {
    host = /(?:^|[;,\s])host="?([^";,\s]+)/i.exec(forwarded)?.[1];
    proto = /(?:^|[;,\s])proto="?([^";,\s]+)/i.exec(forwarded)?.[1] ?? scheme;
  }
  if (host === undefined) {
    const xHost = first(headers['x-forwarded-host']);
    if (xHost) {
      host = xHost;
      proto = first(headers['x-forwarded-proto']) ?? '';
    }
  }
  if (host === undefined) {
    host = headers.host;
    proto = scheme;
  }
  if (!host) return;
  const colon = portColon(host);
  if (colon === -1) {
    sink.string(SERVER_ADDRESS, host);
    if (proto === 'http') sink.int(SERVER_PORT, 80);
    else if (proto === 'https') sink.int(SERVER_PORT, 443);
    return;
  }
  sink.string(SERVER_ADDRESS, host.slice(0, colon));
  const port = colon + 1 < host.length ? Number(host.slice(colon + 1)) : Number.NaN; // "name:" has no port
  if (Number.isFinite(port)) sink.int(SERVER_PORT, port);
}

/**
 * The position of the ':' before the port in a Host value (`name:port`,
 * `[v6]:port`), or -1 when it has no port (`name`, `[v6]`, a bare v6
 * address): the last ':' after the last ']', or the only ':' when there is
 * no ']'. One loop from the end, where lastIndexOf is a call into the runtime.
 */
function portColon(host: string): number {
  let last = -1;
  let colons = 0;
  for (let i = host.length - 1; i >= 0; i--) {
    const c = host.charCodeAt(i);
    if (c === 93 /* ] */) return last;
    if (c === 58 /* : */) {
      if (last === -1) last = i;
      colons++;
    }
  }
  return colons === 1 ? last : -1;
}

/** client.address from Forwarded (for=) or X-Forwarded-For (first hop), without a port. */
function forwardedClient(headers: IncomingMessage['headers']): string | undefined {
  const forwarded = headers['forwarded'];
  let value: string | undefined;
  if (typeof forwarded === 'string') value = /(?:^|[;,\s])for="?([^";,\s]+)/i.exec(forwarded)?.[1];
  if (value === undefined) value = first(headers['x-forwarded-for'])?.split(',')[0]?.trim();
  if (!value) return undefined;
  if (value.startsWith('[')) return value.slice(1, value.indexOf(']'));
  const colon = value.indexOf(':');
  return colon !== -1 && colon === value.lastIndexOf(':') ? value.slice(0, colon) : value;
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
