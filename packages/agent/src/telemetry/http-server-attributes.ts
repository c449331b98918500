import type { IncomingMessage } from 'node:http';
import type { Attributes } from '@opentelemetry/api';
import { ObjectSink, attributeKey, type AttributeSink } from './attribute-encoding.ts';
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

/** The request side of an HTTP server span, read once when the request arrives. */
export interface ServerRequestRecord {
  /** http.request.method: a known method, or _OTHER. */
  readonly method: string;
  /** http.request.method_original: the method as sent, when it is not a known one. */
  readonly methodOriginal: string | undefined;
  readonly scheme: 'http' | 'https';
  readonly path: string;
  readonly query: string | undefined;
  readonly serverAddress: string | undefined;
  readonly serverPort: number | undefined;
  readonly peerAddress: string | undefined;
  readonly peerPort: number | undefined;
  readonly clientAddress: string | undefined;
  readonly protocolVersion: string;
  readonly userAgent: string | undefined;
}

/**
 * What the server span keeps of its request when it arrives: a few reads,
 * parsed into a ServerRequestRecord only when the span is encoded (with the
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
  };
}

/** node:net's `_peername`: what getpeername() answered. */
type Peer = { readonly address?: string; readonly port?: number };

export function readServerRequest(facts: ServerRequestFacts): ServerRequestRecord {
  const headers = facts.headers;
  const rawMethod = facts.method;
  const method = KNOWN_METHODS.has(rawMethod) ? rawMethod : '_OTHER';
  const target = splitTarget(facts.target);
  const server = serverAddress(headers, facts.scheme);
  const peer = facts.peerAddress;
  return {
    method,
    methodOriginal: method !== rawMethod ? rawMethod : undefined,
    scheme: facts.scheme,
    path: target.path,
    query: target.query,
    serverAddress: server?.host,
    serverPort: server?.port,
    peerAddress: peer,
    peerPort: facts.peerPort,
    clientAddress: forwardedClient(headers) ?? peer,
    protocolVersion: facts.httpVersion,
    userAgent: headers['user-agent'],
  };
}

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

/** The request's attributes, in the order upstream's instrumentation sets them. */
export function writeServerRequest(r: ServerRequestRecord, sink: AttributeSink): void {
  sink.string(METHOD, r.method);
  sink.string(SCHEME, r.scheme);
  if (r.methodOriginal !== undefined) sink.string(METHOD_ORIGINAL, r.methodOriginal);
  sink.string(PATH, r.path);
  if (r.query !== undefined) sink.string(QUERY, r.query);
  if (r.serverAddress !== undefined) {
    sink.string(SERVER_ADDRESS, r.serverAddress);
    if (r.serverPort !== undefined) sink.int(SERVER_PORT, r.serverPort);
  }
  if (r.peerAddress !== undefined) sink.string(PEER_ADDRESS, r.peerAddress);
  if (r.peerPort !== undefined) sink.int(PEER_PORT, r.peerPort);
  if (r.clientAddress !== undefined) sink.string(CLIENT_ADDRESS, r.clientAddress);
  sink.string(PROTOCOL_VERSION, r.protocolVersion);
  if (r.userAgent !== undefined) sink.string(USER_AGENT, r.userAgent);
}

/**
 * The request's attributes as an object, at once (the span itself parses its
 * facts only when it is encoded or its attributes are read; this is the
 * request-side parsing on its own, which http-server-attributes.test.ts checks).
 */
export function requestAttributes(request: IncomingMessage, scheme: 'http' | 'https'): Attributes {
  const attributes: Attributes = {};
  writeServerRequest(
    readServerRequest(requestFacts(request, request.headers, scheme)),
    new ObjectSink(attributes, Infinity),
  );
  return attributes;
}

/** url.path and url.query (signature parameters redacted) of the request target. */
function splitTarget(target: string): { path: string; query: string | undefined } {
  if (target.charCodeAt(0) !== 47 /* '/' */) {
    // absolute-form (proxies) or asterisk-form: let URL parse it.
    try {
      const url = new URL(target, 'http://localhost');
      return { path: url.pathname, query: url.search ? redactQuery(url.search.slice(1)) : undefined };
    } catch {
      return { path: target, query: undefined };
    }
  }
  const q = target.indexOf('?');
  if (q === -1) return { path: target, query: undefined };
  return {
    path: target.slice(0, q),
    query: q + 1 < target.length ? redactQuery(target.slice(q + 1)) : undefined,
  };
}

function redactQuery(query: string): string {
  if (!REDACTED_QUERY_PARAMS.some((p) => query.includes(p))) return query;
  const params = new URLSearchParams(query);
  for (const p of REDACTED_QUERY_PARAMS) if (params.has(p)) params.set(p, REDACTED);
  return params.toString();
}

/** server.address / server.port: Forwarded host, X-Forwarded-Host, else Host. */
function serverAddress(
  headers: IncomingMessage['headers'],
  scheme: string,
): { host: string; port: number | undefined } | undefined {
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
  if (!host) return undefined;
  const colon = portColon(host);
  if (colon !== -1) {
    const port = colon + 1 < host.length ? Number(host.slice(colon + 1)) : Number.NaN; // "name:" has no port
    return { host: host.slice(0, colon), port: Number.isFinite(port) ? port : undefined };
  }
  return { host, port: proto === 'http' ? 80 : proto === 'https' ? 443 : undefined };
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
