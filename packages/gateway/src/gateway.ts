import { join } from 'node:path';
import type { StoreDriver } from '@spyglass/store';
import { createApiKeyCheck } from './auth/api-key-auth.ts';
import { IngestPipeline, type PipelineStats } from './pipeline/ingest-pipeline.ts';
import { createOtlpGrpcReceiver } from './receivers/otlp-grpc-receiver.ts';
import { createOtlpHttpReceiver } from './receivers/otlp-http-receiver.ts';
import type { Logger } from './logger.ts';

export interface GatewayOptions {
  readonly driver: StoreDriver;
  readonly database: string;
  readonly host: string;
  /** 0 picks a free port; null disables the receiver. */
  readonly grpcPort: number | null;
  readonly httpPort: number | null;
  /** Folder for the spool (write-ahead log) and dead letters. */
  readonly dataDir: string;
  /** Acknowledge once a batch is fsynced (true) or only once it is in the store (false). */
  readonly writeAheadLog: boolean;
  readonly apiKeys: readonly string[];
  readonly corsOrigins: readonly string[];
  readonly maxBodyBytes: number;
  readonly batch: {
    readonly maxBytes: number;
    readonly maxRows: number;
    readonly flushIntervalMs: number;
    /** With the write-ahead log: group-commit interval (see PipelineOptions). */
    readonly commitIntervalMs: number;
  };
  readonly maxQueuedBytes: number;
  readonly insertConcurrency: number;
  readonly maxInsertRows: number;
  readonly logger: Logger;
}

export interface Gateway {
  readonly grpcPort: number | null;
  readonly httpPort: number | null;
  stats(): PipelineStats;
  /** Stops receivers first, then flushes the pipeline (idempotent). */
  shutdown(): Promise<void>;
}

/** Starts the pipeline (replaying the write-ahead log), then the OTLP receivers. */
export async function startGateway(o: GatewayOptions): Promise<Gateway> {
  const pipeline = IngestPipeline.start({
    driver: o.driver,
    database: o.database,
    spoolDir: join(o.dataDir, 'spool'),
    writeAheadLog: o.writeAheadLog,
    deadLetterDir: join(o.dataDir, 'dead-letter'),
    maxBatchBytes: o.batch.maxBytes,
    maxBatchRows: o.batch.maxRows,
    flushIntervalMs: o.batch.flushIntervalMs,
    commitIntervalMs: o.batch.commitIntervalMs,
    maxQueuedBytes: o.maxQueuedBytes,
    insertConcurrency: o.insertConcurrency,
    maxInsertRows: o.maxInsertRows,
    logger: o.logger,
  });
  const isAuthorized = createApiKeyCheck(o.apiKeys);
  const common = { host: o.host, pipeline, maxBodyBytes: o.maxBodyBytes, isAuthorized, logger: o.logger };
  const grpc = o.grpcPort === null ? undefined : createOtlpGrpcReceiver({ ...common, port: o.grpcPort });
  const http =
    o.httpPort === null
      ? undefined
      : createOtlpHttpReceiver({ ...common, port: o.httpPort, corsOrigins: o.corsOrigins });
  let grpcPort: number | null = null;
  let httpPort: number | null = null;
  try {
    if (grpc) grpcPort = (await grpc.start()).port;
    if (http) httpPort = (await http.start()).port;
  } catch (err) {
    await grpc?.shutdown();
    await http?.shutdown();
    await pipeline.shutdown(5_000);
    throw err;
  }
  let closing: Promise<void> | undefined;
  return {
    grpcPort,
    httpPort,
    stats: () => pipeline.stats(),
    shutdown() {
      closing ??= (async () => {
        await Promise.all([grpc?.shutdown(), http?.shutdown()]);
        await pipeline.shutdown();
      })();
      return closing;
    },
  };
}
