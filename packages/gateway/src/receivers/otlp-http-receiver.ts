import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encodeExportResponse, type Encoding, type Signal } from '@spyglass/otlp';
import type { IngestPipeline } from '../pipeline/ingest-pipeline.ts';
import type { Logger } from '../logger.ts';
import { handleExport, type ExportResult } from './export-handler.ts';
import { readBody } from './read-body.ts';
import { encodeRpcStatus } from './rpc-status.ts';

export interface OtlpHttpReceiverOptions {
  readonly host: string;
  readonly port: number;
  readonly pipeline: IngestPipeline;
  readonly maxBodyBytes: number;
  readonly isAuthorized: (header: string | undefined) => boolean;
  /** Allowed browser origins for CORS; ['*'] allows any. */
  readonly corsOrigins: readonly string[];
  readonly logger: Logger;
}

const PATHS: Record<string, Signal> = {
  '/v1/traces': 'traces',
  '/v1/logs': 'logs',
  '/v1/metrics': 'metrics',
};
const REJECTED_FIELD: Record<Signal, string> = {
  traces: 'rejectedSpans',
  logs: 'rejectedLogRecords',
  metrics: 'rejectedDataPoints',
};

/** OTLP/HTTP (protobuf and JSON, gzip, CORS) on /v1/traces, /v1/logs and /v1/metrics. */
export function createOtlpHttpReceiver(o: OtlpHttpReceiverOptions) {
  let server: Server | undefined;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    applyCors(req, res, o.corsOrigins);
    const path = (req.url ?? '/').split('?')[0]!;
    if (req.method === 'OPTIONS') {
      res.writeHead(204).end();
      return;
    }
    const signal = PATHS[path];
    if (!signal)
      return sendPlain(res, 404, `no OTLP endpoint at ${path}; use /v1/traces, /v1/logs or /v1/metrics`);
    if (req.method !== 'POST') return sendPlain(res, 405, 'use POST', { allow: 'POST, OPTIONS' });
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const encoding: Encoding | undefined =
      contentType === 'application/x-protobuf' || contentType === 'application/protobuf'
        ? 'protobuf'
        : contentType === 'application/json'
          ? 'json'
          : undefined;
    if (!encoding) {
      req.resume();
      return sendPlain(
        res,
        415,
        `unsupported Content-Type "${contentType}"; use application/x-protobuf or application/json`,
      );
    }
    if (!o.isAuthorized(req.headers.authorization)) {
      req.resume();
      return sendStatus(res, encoding, 401, 16, 'missing or invalid API key in the authorization header');
    }
    const body = await readBody(req, o.maxBodyBytes);
    if (body.kind === 'too-large') return sendStatus(res, encoding, 413, 3, body.message);
    if (body.kind === 'bad-encoding') return sendStatus(res, encoding, 415, 3, body.message);
    if (body.kind === 'corrupt') return sendStatus(res, encoding, 400, 3, body.message);
    const result = await handleExport(o.pipeline, signal, encoding, body.body);
    sendResult(res, encoding, signal, result);
  };

  return {
    start(): Promise<{ port: number }> {
      return new Promise((resolve, reject) => {
        server = createServer((req, res) => {
          handle(req, res).catch((err: unknown) => {
            o.logger.error('OTLP/HTTP request failed', { error: String(err) });
            if (!res.headersSent) sendPlain(res, 500, 'internal error');
            else res.destroy();
          });
        });
        server.keepAliveTimeout = 65_000;
        server.once('error', reject);
        server.listen(o.port, o.host, () => resolve({ port: (server!.address() as AddressInfo).port }));
      });
    },
    /** Stops accepting requests and waits for those in flight. */
    shutdown(): Promise<void> {
      return new Promise((resolve) => {
        if (!server) return resolve();
        server.close(() => resolve());
        server.closeIdleConnections();
        server = undefined;
      });
    },
  };
}

function sendResult(res: ServerResponse, encoding: Encoding, signal: Signal, r: ExportResult): void {
  switch (r.kind) {
    case 'ok':
      if (encoding === 'protobuf') {
        res
          .writeHead(200, { 'content-type': 'application/x-protobuf' })
          .end(encodeExportResponse(r.rejected, r.message));
      } else {
        const body =
          r.rejected > 0
            ? { partialSuccess: { [REJECTED_FIELD[signal]]: String(r.rejected), errorMessage: r.message } }
            : {};
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      }
      return;
    case 'invalid':
      return sendStatus(res, encoding, 400, 3, r.message);
    case 'backpressure':
      return sendStatus(res, encoding, 429, 8, r.message, { 'retry-after': String(r.retryAfterSeconds) });
    case 'unavailable':
      return sendStatus(res, encoding, 503, 14, r.message, { 'retry-after': '1' });
  }
}

/** An OTLP/HTTP error: a google.rpc.Status body in the request's encoding. */
function sendStatus(
  res: ServerResponse,
  encoding: Encoding,
  httpStatus: number,
  grpcCode: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  if (encoding === 'protobuf') {
    res
      .writeHead(httpStatus, { 'content-type': 'application/x-protobuf', ...headers })
      .end(encodeRpcStatus(grpcCode, message));
  } else {
    res
      .writeHead(httpStatus, { 'content-type': 'application/json', ...headers })
      .end(JSON.stringify({ code: grpcCode, message }));
  }
}

function sendPlain(
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers }).end(message + '\n');
}

function applyCors(req: IncomingMessage, res: ServerResponse, origins: readonly string[]): void {
  const origin = req.headers.origin;
  if (!origin) return;
  if (!origins.includes('*') && !origins.includes(origin)) return;
  res.setHeader('access-control-allow-origin', origins.includes('*') ? '*' : origin);
  res.setHeader('vary', 'Origin');
  if (req.method === 'OPTIONS') {
    res.setHeader('access-control-allow-methods', 'POST, OPTIONS');
    res.setHeader(
      'access-control-allow-headers',
      req.headers['access-control-request-headers'] ?? 'content-type, content-encoding, authorization',
    );
    res.setHeader('access-control-max-age', '86400');
  }
}
