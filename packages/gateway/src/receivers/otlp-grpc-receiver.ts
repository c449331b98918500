import { createServer, type Http2Server, type ServerHttp2Stream, type IncomingHttpHeaders } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { encodeExportResponse, type Signal } from '@spyglass/otlp';
import type { IngestPipeline } from '../pipeline/ingest-pipeline.ts';
import type { Logger } from '../logger.ts';
import { handleExport } from './export-handler.ts';
import { encodeRpcStatus } from './rpc-status.ts';
import { wholeBody, type RequestBody } from './request-body.ts';

const gunzipAsync = promisify(gunzip);

export interface OtlpGrpcReceiverOptions {
  readonly host: string;
  readonly port: number;
  readonly pipeline: IngestPipeline;
  readonly maxBodyBytes: number;
  readonly isAuthorized: (header: string | undefined) => boolean;
  readonly logger: Logger;
}

const SERVICES: Record<string, Signal> = {
  '/opentelemetry.proto.collector.trace.v1.TraceService/Export': 'traces',
  '/opentelemetry.proto.collector.logs.v1.LogsService/Export': 'logs',
  '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export': 'metrics',
};

/** gRPC status codes used here. */
const Status = {
  OK: 0,
  INVALID_ARGUMENT: 3,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

/**
 * OTLP/gRPC: the three unary Export methods served straight on Node's HTTP/2
 * server (cleartext, prior knowledge), speaking the gRPC wire protocol
 * itself: a length-prefixed message in, a length-prefixed reply and
 * grpc-status trailers out, gzip message compression. grpc-js's server added
 * ~150 ms of transport latency per export under load (measured); this path
 * hands the raw message to our decoder as soon as its last frame arrives.
 */
export function createOtlpGrpcReceiver(o: OtlpGrpcReceiverOptions) {
  let server: Http2Server | undefined;
  const sessions = new Set<import('node:http2').ServerHttp2Session>();

  const handle = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
    const path = String(headers[':path'] ?? '');
    const signal = SERVICES[path];
    const contentType = String(headers['content-type'] ?? '');
    if (!contentType.startsWith('application/grpc')) {
      stream.respond({ ':status': 415 }, { endStream: true });
      return;
    }
    if (!signal) return fail(stream, Status.UNIMPLEMENTED, `unknown method ${path}`);
    if (!o.isAuthorized(headerValue(headers['authorization']))) {
      stream.resume();
      return fail(stream, Status.UNAUTHENTICATED, 'missing or invalid API key in the authorization metadata');
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    stream.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > o.maxBodyBytes + 5) {
        refused = true;
        fail(stream, Status.RESOURCE_EXHAUSTED, `message larger than max (${o.maxBodyBytes} bytes)`);
        return;
      }
      chunks.push(chunk);
    });
    stream.on('error', () => undefined);
    stream.on('end', () => {
      if (refused || stream.destroyed) return;
      readMessage(chunks, size, headerValue(headers['grpc-encoding']), o.maxBodyBytes)
        .then((message) => {
          if (typeof message === 'object' && 'error' in message)
            return fail(stream, message.code, message.error);
          return handleExport(o.pipeline, signal, 'protobuf', message).then((r) => {
            switch (r.kind) {
              case 'ok':
                return reply(stream, encodeExportResponse(r.rejected, r.message));
              case 'invalid':
                return fail(stream, Status.INVALID_ARGUMENT, r.message);
              case 'backpressure':
                return fail(stream, Status.RESOURCE_EXHAUSTED, r.message, r.retryAfterSeconds);
              case 'unavailable':
                return fail(stream, Status.UNAVAILABLE, r.message, 1);
            }
          });
        })
        .catch((err: unknown) => {
          o.logger.error('OTLP/gRPC export failed', { error: String(err) });
          fail(stream, Status.INTERNAL, 'internal error');
        });
    });
  };

  return {
    start(): Promise<{ port: number }> {
      return new Promise((resolve, reject) => {
        server = createServer({
          settings: { initialWindowSize: 4 * 1024 * 1024, maxConcurrentStreams: 1000 },
          maxSessionMemory: 256,
        });
        server.on('stream', handle);
        server.on('session', (session) => {
          sessions.add(session);
          session.on('close', () => sessions.delete(session));
          session.on('error', () => undefined);
          session.once('localSettings', () => {
            try {
              session.setLocalWindowSize(32 * 1024 * 1024);
            } catch {
              // the session closed meanwhile
            }
          });
        });
        server.on('sessionError', () => undefined);
        server.once('error', reject);
        server.listen(o.port, o.host, () => resolve({ port: (server!.address() as AddressInfo).port }));
      });
    },
    /** Stops taking calls, lets those in flight finish (forces after 10 s). */
    shutdown(): Promise<void> {
      return new Promise((resolve) => {
        if (!server) return resolve();
        const s = server;
        server = undefined;
        const force = setTimeout(() => {
          for (const session of sessions) session.destroy();
        }, 10_000);
        force.unref();
        s.close(() => {
          clearTimeout(force);
          resolve();
        });
        for (const session of sessions) session.close();
      });
    },
  };
}

/**
 * One gRPC message: [compressed flag][u32 big-endian length][bytes], from the
 * chunks of the stream. An uncompressed message stays in its chunks (views
 * past the prefix), to be joined when decoded (see joinForDecode).
 */
async function readMessage(
  chunks: readonly Buffer[],
  size: number,
  encoding: string | undefined,
  limit: number,
): Promise<RequestBody | { error: string; code: number }> {
  if (size < 5) return { error: 'truncated gRPC message frame', code: Status.INVALID_ARGUMENT };
  const prefix = chunks[0]!.length >= 5 ? chunks[0]! : Buffer.concat(chunks, 5);
  const compressed = prefix[0] === 1;
  const length = prefix.readUInt32BE(1);
  if (length > limit)
    return { error: `message larger than max (${length} vs. ${limit})`, code: Status.RESOURCE_EXHAUSTED };
  if (size !== 5 + length)
    return { error: 'gRPC message length does not match the frame', code: Status.INVALID_ARGUMENT };
  const message = withoutPrefix(chunks, 5);
  if (!compressed) return { chunks: message, size: length };
  if (encoding !== 'gzip')
    return { error: `unsupported grpc-encoding "${encoding ?? ''}"`, code: Status.UNIMPLEMENTED };
  try {
    return wholeBody(
      await gunzipAsync(message.length === 1 ? message[0]! : Buffer.concat(message, length), {
        maxOutputLength: limit,
      }),
    );
  } catch (err) {
    const tooLarge = (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
    return {
      error: tooLarge ? `decompressed message larger than max (${limit})` : 'invalid gzip message',
      code: tooLarge ? Status.RESOURCE_EXHAUSTED : Status.INVALID_ARGUMENT,
    };
  }
}

/** The chunks less their first `n` bytes (views, no copy). */
function withoutPrefix(chunks: readonly Buffer[], n: number): Buffer[] {
  const out: Buffer[] = [];
  let skip = n;
  for (const chunk of chunks) {
    if (skip >= chunk.length) {
      skip -= chunk.length;
      continue;
    }
    out.push(skip > 0 ? chunk.subarray(skip) : chunk);
    skip = 0;
  }
  return out;
}

function reply(stream: ServerHttp2Stream, message: Buffer): void {
  if (stream.destroyed || stream.closed) return;
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(message.length, 1);
  stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
  stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': String(Status.OK) }));
  stream.end(Buffer.concat([prefix, message]));
}

/** A trailers-only error response, with RetryInfo in grpc-status-details-bin when retryable. */
function fail(stream: ServerHttp2Stream, code: number, message: string, retryAfterSeconds?: number): void {
  if (stream.destroyed || stream.closed || stream.headersSent) return;
  stream.respond(
    {
      ':status': 200,
      'content-type': 'application/grpc',
      'grpc-status': String(code),
      'grpc-message': encodeURIComponent(message),
      'grpc-status-details-bin': encodeRpcStatus(code, message, retryAfterSeconds)
        .toString('base64')
        .replace(/=+$/, ''),
    },
    { endStream: true },
  );
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
