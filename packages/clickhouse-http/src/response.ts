import type { ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { brotliCompress, constants, deflate, gzip, type BrotliOptions, type ZlibOptions } from 'node:zlib';
import { formatErrorBody, type ClickHouseHttpError } from './errors.ts';
import type { OutputFormat } from './formats.ts';
import type { ResponseEncoding } from './parse-request.ts';

const gzipAsync = promisify<Buffer, ZlibOptions, Buffer>(gzip);
const deflateAsync = promisify<Buffer, ZlibOptions, Buffer>(deflate);
const brotliAsync = promisify<Buffer, BrotliOptions, Buffer>(brotliCompress);

/** Headers every answer carries. */
export interface ResponseMeta {
  readonly queryId: string;
  readonly displayName: string;
  readonly timezone: string;
  readonly cors: boolean;
}

export interface SendResultOptions {
  readonly encoding: ResponseEncoding | undefined;
  readonly compressionLevel: number;
  readonly elapsedNs: bigint;
}

function baseHeaders(meta: ResponseMeta): Record<string, string> {
  return {
    'X-ClickHouse-Server-Display-Name': meta.displayName,
    'X-ClickHouse-Query-Id': meta.queryId,
    'X-ClickHouse-Timezone': meta.timezone,
    ...(meta.cors ? { 'Access-Control-Allow-Origin': '*' } : {}),
  };
}

/** A query result, with ClickHouse's headers, compressed when the client asked for it. */
export async function sendResult(
  res: ServerResponse,
  body: Buffer,
  format: OutputFormat,
  meta: ResponseMeta,
  options: SendResultOptions,
): Promise<void> {
  const summary = {
    read_rows: '0',
    read_bytes: '0',
    written_rows: '0',
    written_bytes: '0',
    total_rows_to_read: '0',
    result_rows: '0',
    result_bytes: String(body.length),
    elapsed_ns: String(options.elapsedNs),
  };
  const payload = options.encoding ? await compress(body, options.encoding, options.compressionLevel) : body;
  if (res.destroyed) return;
  res.writeHead(200, {
    ...baseHeaders(meta),
    'Content-Type': format.contentType,
    'X-ClickHouse-Format': format.name,
    'X-ClickHouse-Summary': JSON.stringify(summary),
    ...(options.encoding ? { 'Content-Encoding': options.encoding, Vary: 'Accept-Encoding' } : {}),
    'Content-Length': String(payload.length),
  });
  res.end(payload);
}

/** A ClickHouse exception: text body, X-ClickHouse-Exception-Code, status by code. */
export function sendError(
  res: ServerResponse,
  err: ClickHouseHttpError,
  version: string,
  meta: ResponseMeta,
  extraHeaders: Record<string, string> = {},
): void {
  sendText(res, err.httpStatus, formatErrorBody(err, version), meta, {
    'X-ClickHouse-Exception-Code': String(err.code),
    ...extraHeaders,
  });
}

export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  meta: ResponseMeta,
  extraHeaders: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  const body = Buffer.from(text, 'utf8');
  res.writeHead(status, {
    ...baseHeaders(meta),
    'Content-Type': 'text/plain; charset=UTF-8',
    'Content-Length': String(body.length),
    ...extraHeaders,
  });
  res.end(body);
}

function compress(body: Buffer, encoding: ResponseEncoding, level: number): Promise<Buffer> {
  if (encoding === 'gzip') return gzipAsync(body, { level });
  if (encoding === 'deflate') return deflateAsync(body, { level });
  return brotliAsync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: Math.min(11, level) } });
}
