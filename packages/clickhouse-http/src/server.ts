import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { hostname } from 'node:os';
import type { StoreDriver } from '@spyglass/store';
import { loadEngineInfo, type EngineInfo } from './engine-info.ts';
import { ClickHouseHttpError, ErrorCode, formatErrorBody, toClickHouseHttpError } from './errors.ts';
import { executeQuery } from './execute-query.ts';
import { upgradeNativeRevision } from './native-revision.ts';
import { parseRequest } from './parse-request.ts';
import { DEFAULT_QUERY_LIMITS, type QueryLimits } from './query-limits.ts';
import { readRequestBody } from './read-body.ts';
import { sendError, sendResult, sendText, type ResponseMeta } from './response.ts';

export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;

export interface ClickHouseHttpServerOptions {
  readonly driver: StoreDriver;
  readonly host: string;
  /** 0 picks a free port (see the result of start()). */
  readonly port: number;
  /** Only read statements run (default true). GET requests are always read-only, as in ClickHouse. */
  readonly readOnly?: boolean;
  /** Largest request body accepted, before and after decompression (default 16 MiB). */
  readonly maxBodyBytes?: number;
  /** Sent as X-ClickHouse-Server-Display-Name (default: the host name). */
  readonly displayName?: string;
  /** Caps for max_execution_time and max_result_bytes of reads (defaults: 60 s, 256 MiB). */
  readonly limits?: Partial<QueryLimits>;
}

export interface ClickHouseHttpServer {
  start(): Promise<{ port: number }>;
  /** Stops accepting connections and waits for running requests (idempotent). */
  shutdown(): Promise<void>;
}

const NOT_FOUND_TEXT =
  'There is no handle {path}\n\nUse / or /ping for health checks.\nOr /replicas_status for more sophisticated health checks.\n\n' +
  'Send queries from your program with POST method or GET /?query=...\n';

const CORS_PREFLIGHT_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'POST, GET, OPTIONS',
  'Access-Control-Allow-Headers':
    'origin, x-requested-with, x-clickhouse-format, x-clickhouse-user, x-clickhouse-key, x-clickhouse-database, authorization, content-type, content-encoding',
  'Access-Control-Max-Age': '86400',
};

/**
 * ClickHouse's HTTP interface (port 8123 style) over the store's engine: enough
 * for curl, @clickhouse/client and Grafana's ClickHouse data source to run
 * SELECTs. Any user name and password are accepted.
 */
export function createClickHouseHttpServer(options: ClickHouseHttpServerOptions): ClickHouseHttpServer {
  const { driver, host, port } = options;
  const readOnly = options.readOnly ?? true;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const displayName = options.displayName ?? hostname();
  const limits: QueryLimits = { ...DEFAULT_QUERY_LIMITS, ...options.limits };
  let info: EngineInfo | undefined;
  let startPromise: Promise<{ port: number }> | undefined;
  let shutdownPromise: Promise<void> | undefined;

  const server = createServer({ maxHeaderSize: 1024 * 1024 }, (req, res) => {
    void handle(req, res).catch((err: unknown) => {
      // handle() answers every error itself; this is the last line of defence.
      if (!res.headersSent) res.writeHead(500);
      res.destroy(err instanceof Error ? err : undefined);
    });
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable || err.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const status =
      err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    const body = formatErrorBody(
      new ClickHouseHttpError(ErrorCode.BAD_ARGUMENTS, `Malformed HTTP request: ${err.code ?? err.message}`),
      info?.version ?? 'unknown',
    );
    socket.end(
      `HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Type: text/plain; charset=UTF-8\r\n` +
        `X-ClickHouse-Exception-Code: ${ErrorCode.BAD_ARGUMENTS}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    res.on('error', () => res.destroy());
    req.on('error', () => undefined);
    const url = requestUrl(req.url);
    const meta: ResponseMeta = {
      queryId: url?.searchParams.get('query_id') || randomUUID(),
      displayName,
      timezone: info?.timezone ?? 'UTC',
      cors: url?.searchParams.get('add_http_cors_header') === '1',
    };
    const version = info?.version ?? 'unknown';
    const method = req.method ?? 'GET';
    if (!url) {
      sendError(
        res,
        new ClickHouseHttpError(ErrorCode.BAD_ARGUMENTS, 'Cannot parse the request URL'),
        version,
        meta,
      );
      return;
    }
    if (method === 'OPTIONS') {
      res.writeHead(204, CORS_PREFLIGHT_HEADERS).end();
      return;
    }
    if (url.pathname === '/ping' || url.pathname === '/replicas_status') {
      sendText(res, 200, 'Ok.\n', meta);
      return;
    }
    if (url.pathname !== '/') {
      sendText(res, 404, NOT_FOUND_TEXT.replace('{path}', url.pathname), meta);
      return;
    }
    if (!['GET', 'HEAD', 'POST'].includes(method)) {
      const err = new ClickHouseHttpError(
        ErrorCode.UNSUPPORTED_METHOD,
        `HTTP method ${method} is not supported`,
        undefined,
        405,
      );
      sendError(res, err, version, meta, { Allow: 'GET, HEAD, POST, OPTIONS' });
      return;
    }
    const controller = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    try {
      if (!info) throw new ClickHouseHttpError(ErrorCode.UNKNOWN_EXCEPTION, 'The server is not started');
      const body = await readRequestBody(req, maxBodyBytes);
      const parsed = parseRequest(url, req.headers, body);
      if (parsed.sql.trim() === '' && method !== 'POST') {
        sendText(res, 200, 'Ok.\n', meta);
        return;
      }
      const getReadOnly = method !== 'POST';
      const result = await executeQuery(parsed, {
        driver,
        info,
        readOnly: readOnly || getReadOnly || parsed.readOnlyRequested,
        signal: controller.signal,
        limits,
        ...(getReadOnly && !readOnly
          ? {
              readOnlyReason:
                'For queries over HTTP, method GET implies readonly. Use method POST for modifying queries',
            }
          : {}),
      });
      const output =
        result.format.name === 'Native' && parsed.clientProtocolVersion > 0
          ? upgradeNativeRevision(result.body, parsed.clientProtocolVersion)
          : result.body;
      await sendResult(res, output, result.format, meta, {
        encoding: parsed.responseEncoding,
        compressionLevel: parsed.compressionLevel,
        elapsedNs: process.hrtime.bigint() - started,
      });
    } catch (err) {
      const error = toClickHouseHttpError(err);
      if (error.code === ErrorCode.QUERY_IS_TOO_LARGE && !req.complete) {
        sendError(res, error, version, meta, { Connection: 'close' });
        // Give the client a moment to read the answer, then drop the rest of its upload.
        res.on('finish', () => setTimeout(() => req.socket.destroy(), 1000).unref());
        return;
      }
      sendError(res, error, version, meta);
    }
  }

  return {
    start() {
      startPromise ??= (async () => {
        info = await loadEngineInfo(driver);
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(port, host, () => {
            server.off('error', reject);
            resolve();
          });
        });
        return { port: (server.address() as AddressInfo).port };
      })();
      return startPromise;
    },
    shutdown() {
      shutdownPromise ??= (async () => {
        await startPromise?.catch(() => undefined);
        if (!server.listening) return;
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
          setTimeout(() => server.closeAllConnections(), 5000).unref();
        });
      })();
      return shutdownPromise;
    },
  };
}

function requestUrl(raw: string | undefined): URL | undefined {
  try {
    const path = raw && raw.startsWith('/') ? raw : `/${raw ?? ''}`;
    return new URL(`http://localhost${path}`);
  } catch {
    return undefined;
  }
}
