import type { IncomingHttpHeaders } from 'node:http';
import { ClickHouseHttpError, ErrorCode } from './errors.ts';
import { multipartBoundary, parseMultipart } from './multipart.ts';
import { HTTP_PARAMETERS } from './settings-policy.ts';

export type ResponseEncoding = 'gzip' | 'deflate' | 'br';

/** What a request to `/` asks for, in ClickHouse HTTP interface terms. */
export interface ParsedRequest {
  /** The SQL: the `query` parameter, then (on its own line) the body. */
  readonly sql: string;
  /** `param_<name>` values, raw. */
  readonly params: ReadonlyMap<string, string>;
  /** Every other parameter, as settings candidates (name -> raw value). */
  readonly settings: ReadonlyMap<string, string>;
  readonly defaultFormat: string | undefined;
  readonly database: string | undefined;
  readonly queryId: string | undefined;
  /** `readonly=1|2` was sent. */
  readonly readOnlyRequested: boolean;
  /** Set when `enable_http_compression=1` and Accept-Encoding allows a supported encoding. */
  readonly responseEncoding: ResponseEncoding | undefined;
  readonly compressionLevel: number;
  /** `add_http_cors_header=1`. */
  readonly cors: boolean;
  /** `client_protocol_version`: the Native format revision the client reads (0 = plain). */
  readonly clientProtocolVersion: number;
  /**
   * When the statement is in the `query` parameter and the body is not a form:
   * the statement alone and the raw body, for an INSERT whose rows are the body.
   */
  readonly insertCandidate: { readonly statement: string; readonly data: Buffer } | undefined;
}

/**
 * Reads the query, parameters and settings from the URL, the headers and the
 * body. Authentication (Basic auth, X-ClickHouse-User/Key, user/password
 * parameters) is accepted and ignored: the store is local.
 */
export function parseRequest(url: URL, headers: IncomingHttpHeaders, body: Buffer): ParsedRequest {
  const values = new Map<string, string>();
  for (const [name, value] of url.searchParams) values.set(name, value);

  let bodyText = body.toString('utf8');
  const boundary = multipartBoundary(headers['content-type']);
  if (boundary !== undefined && body.length > 0) {
    const form = parseMultipart(body, boundary);
    if (!form)
      throw new ClickHouseHttpError(ErrorCode.BAD_ARGUMENTS, 'Cannot parse the multipart/form-data body');
    if (form.hasFiles) {
      throw new ClickHouseHttpError(
        ErrorCode.NOT_IMPLEMENTED,
        'External tables (file parts of a multipart/form-data body) are not supported',
      );
    }
    for (const [name, value] of form.fields) values.set(name, value);
    bodyText = '';
  } else if (isTrue(values.get('decompress')) && body.length > 0) {
    throw new ClickHouseHttpError(
      ErrorCode.NOT_IMPLEMENTED,
      'decompress=1 (ClickHouse native compression of the body) is not supported; use Content-Encoding: gzip',
    );
  }

  const params = new Map<string, string>();
  const settings = new Map<string, string>();
  for (const [name, value] of values) {
    if (name.startsWith('param_') && name.length > 'param_'.length)
      params.set(name.slice('param_'.length), value);
    else if (!HTTP_PARAMETERS.has(name)) settings.set(name, value);
  }

  const queryParam = values.get('query') ?? '';
  const insertCandidate =
    queryParam && body.length > 0 && boundary === undefined ? { statement: queryParam, data: body } : undefined;
  const sql = queryParam && bodyText ? `${queryParam}\n${bodyText}` : queryParam || bodyText;
  const readonly = values.get('readonly');

  return {
    sql,
    params,
    settings,
    defaultFormat: nonEmpty(values.get('default_format')) ?? nonEmpty(header(headers, 'x-clickhouse-format')),
    database: nonEmpty(values.get('database')) ?? nonEmpty(header(headers, 'x-clickhouse-database')),
    queryId: nonEmpty(values.get('query_id')),
    readOnlyRequested: readonly !== undefined && readonly !== '0' && readonly !== '',
    responseEncoding: isTrue(values.get('enable_http_compression'))
      ? pickEncoding(header(headers, 'accept-encoding'))
      : undefined,
    compressionLevel: compressionLevel(values.get('http_zlib_compression_level')),
    cors: isTrue(values.get('add_http_cors_header')),
    clientProtocolVersion: nonNegativeInteger(values.get('client_protocol_version')),
    insertCandidate,
  };
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function nonEmpty(v: string | undefined): string | undefined {
  const t = v?.trim();
  return t ? t : undefined;
}

function isTrue(v: string | undefined): boolean {
  return v !== undefined && ['1', 'true'].includes(v.trim().toLowerCase());
}

function nonNegativeInteger(v: string | undefined): number {
  const n = Number(v);
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
}

function compressionLevel(v: string | undefined): number {
  const n = Number(v);
  return Number.isInteger(n) && n >= 1 && n <= 9 ? n : 3;
}

/** The first of gzip, deflate, br that Accept-Encoding allows (q=0 excluded). */
export function pickEncoding(acceptEncoding: string | undefined): ResponseEncoding | undefined {
  if (!acceptEncoding) return undefined;
  const accepted = new Set<string>();
  for (const part of acceptEncoding.split(',')) {
    const [token = '', ...attrs] = part.trim().toLowerCase().split(';');
    const q = attrs.map((a) => /^\s*q=([0-9.]+)\s*$/.exec(a)?.[1]).find((x) => x !== undefined);
    if (q !== undefined && Number(q) === 0) continue;
    accepted.add(token.trim() === 'x-gzip' ? 'gzip' : token.trim());
  }
  return (['gzip', 'deflate', 'br'] as const).find(
    (e) => accepted.has(e) || (e === 'gzip' && accepted.has('*')),
  );
}
