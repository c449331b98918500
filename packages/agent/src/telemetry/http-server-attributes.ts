import type { IncomingMessage } from 'node:http';
import type { Attributes } from '@opentelemetry/api';

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

export function requestAttributes(request: IncomingMessage, scheme: 'http' | 'https'): Attributes {
  const headers = request.headers;
  const socket = request.socket;
  const rawMethod = request.method ?? 'GET';
  const method = KNOWN_METHODS.has(rawMethod) ? rawMethod : '_OTHER';
  const attributes: Attributes = {
    'http.request.method': method,
    'url.scheme': scheme,
  };
  if (method !== rawMethod) attributes['http.request.method_original'] = rawMethod;
  setTarget(request.url ?? '/', attributes);
  const server = serverAddress(request, scheme);
  if (server) {
    attributes['server.address'] = server.host;
    if (server.port !== undefined) attributes['server.port'] = server.port;
  }
  const peer = socket?.remoteAddress;
  if (peer !== undefined) attributes['network.peer.address'] = peer;
  if (socket?.remotePort !== undefined) attributes['network.peer.port'] = socket.remotePort;
  const client = forwardedClient(request) ?? peer;
  if (client !== undefined) attributes['client.address'] = client;
  attributes['network.protocol.version'] = request.httpVersion;
  const userAgent = headers['user-agent'];
  if (userAgent !== undefined) attributes['user_agent.original'] = userAgent;
  return attributes;
}

/** url.path and url.query (signature parameters redacted) of the request target. */
function setTarget(target: string, into: Attributes): void {
  if (target.charCodeAt(0) !== 47 /* '/' */) {
    // absolute-form (proxies) or asterisk-form: let URL parse it.
    try {
      const url = new URL(target, 'http://localhost');
      into['url.path'] = url.pathname;
      if (url.search) into['url.query'] = redactQuery(url.search.slice(1));
    } catch {
      into['url.path'] = target;
    }
    return;
  }
  const q = target.indexOf('?');
  if (q === -1) {
    into['url.path'] = target;
    return;
  }
  into['url.path'] = target.slice(0, q);
  if (q + 1 < target.length) into['url.query'] = redactQuery(target.slice(q + 1));
}

function redactQuery(query: string): string {
  if (!REDACTED_QUERY_PARAMS.some((p) => query.includes(p))) return query;
  const params = new URLSearchParams(query);
  for (const p of REDACTED_QUERY_PARAMS) if (params.has(p)) params.set(p, REDACTED);
  return params.toString();
}

/** server.address / server.port: Forwarded host, X-Forwarded-Host, else Host. */
function serverAddress(
  request: IncomingMessage,
  scheme: string,
): { host: string; port: number | undefined } | undefined {
  const headers = request.headers;
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
  const bracket = host.lastIndexOf(']');
  const colon = host.lastIndexOf(':');
  if (colon > bracket && (bracket !== -1 || host.indexOf(':') === colon)) {
    const port = Number(host.slice(colon + 1));
    return { host: host.slice(0, colon), port: Number.isFinite(port) ? port : undefined };
  }
  return { host, port: proto === 'http' ? 80 : proto === 'https' ? 443 : undefined };
}

/** client.address from Forwarded (for=) or X-Forwarded-For (first hop), without a port. */
function forwardedClient(request: IncomingMessage): string | undefined {
  const headers = request.headers;
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
