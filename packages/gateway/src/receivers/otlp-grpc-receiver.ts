import {
  Metadata,
  Server,
  ServerCredentials,
  status,
  type ServerUnaryCall,
  type sendUnaryData,
  type ServiceDefinition,
} from '@grpc/grpc-js';
import { encodeExportResponse, type Signal } from '@spyglass/otlp';
import type { IngestPipeline } from '../pipeline/ingest-pipeline.ts';
import type { Logger } from '../logger.ts';
import { handleExport } from './export-handler.ts';
import { encodeRpcStatus } from './rpc-status.ts';

export interface OtlpGrpcReceiverOptions {
  readonly host: string;
  readonly port: number;
  readonly pipeline: IngestPipeline;
  readonly maxBodyBytes: number;
  readonly isAuthorized: (header: string | undefined) => boolean;
  readonly logger: Logger;
}

const SERVICES: Record<Signal, string> = {
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
};

const identity = (b: Buffer) => b;

/** Raw-bytes service definition: our own decoder parses the request, not protobufjs. */
function serviceDefinition(path: string): ServiceDefinition {
  return {
    Export: {
      path,
      requestStream: false,
      responseStream: false,
      requestSerialize: identity,
      requestDeserialize: identity,
      responseSerialize: identity,
      responseDeserialize: identity,
    },
  };
}

/** OTLP/gRPC: the three Export services; gzip request compression is handled by grpc-js. */
export function createOtlpGrpcReceiver(o: OtlpGrpcReceiverOptions) {
  const server = new Server({
    'grpc.max_receive_message_length': o.maxBodyBytes,
    'grpc.max_send_message_length': 4 * 1024 * 1024,
  });

  const fail = (callback: sendUnaryData<Buffer>, code: status, message: string, retryAfterSeconds?: number) => {
    const metadata = new Metadata();
    metadata.set('grpc-status-details-bin', encodeRpcStatus(code, message, retryAfterSeconds));
    callback({ code, details: message, metadata }, null);
  };

  for (const [signal, path] of Object.entries(SERVICES) as Array<[Signal, string]>) {
    server.addService(serviceDefinition(path), {
      Export: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
        const auth = call.metadata.get('authorization')[0];
        if (!o.isAuthorized(typeof auth === 'string' ? auth : auth?.toString('utf8'))) {
          return fail(callback, status.UNAUTHENTICATED, 'missing or invalid API key in the authorization metadata');
        }
        handleExport(o.pipeline, signal, 'protobuf', call.request).then(
          (r) => {
            switch (r.kind) {
              case 'ok':
                return callback(null, encodeExportResponse(r.rejected, r.message));
              case 'invalid':
                return fail(callback, status.INVALID_ARGUMENT, r.message);
              case 'backpressure':
                return fail(callback, status.RESOURCE_EXHAUSTED, r.message, r.retryAfterSeconds);
              case 'unavailable':
                return fail(callback, status.UNAVAILABLE, r.message, 1);
            }
          },
          (err: unknown) => {
            o.logger.error('OTLP/gRPC export failed', { error: String(err) });
            fail(callback, status.INTERNAL, 'internal error');
          },
        );
      },
    });
  }

  return {
    start(): Promise<{ port: number }> {
      return new Promise((resolve, reject) => {
        server.bindAsync(`${o.host.includes(':') ? `[${o.host}]` : o.host}:${o.port}`, ServerCredentials.createInsecure(), (err, port) =>
          err ? reject(err) : resolve({ port }),
        );
      });
    },
    /** Stops taking calls and waits for those in flight (forces after 10 s). */
    shutdown(): Promise<void> {
      return new Promise((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 10_000);
        force.unref();
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
    },
  };
}
