import { join, resolve } from 'node:path';
import { openStore, type Store } from '@spyglass/store';
import { startGateway, type Gateway } from '@spyglass/gateway';
import type { UpConfig } from '../config/config-schema.ts';
import { createConsoleLogger } from '../logger.ts';
import { startApiServer } from '../api/api-server.ts';
import { ensureUiBuilt, findBuiltUi, findLatestBuiltUi } from '@spyglass/ui';

export interface RunningSpyglass {
  readonly ports: {
    http: number;
    otlpGrpc: number | null;
    otlpHttp: number | null;
    clickhouse: number | null;
  };
  readonly store: Store;
  readonly gateway: Gateway;
  /** Stops receivers, flushes what was acknowledged, closes the store (idempotent). */
  shutdown(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** Process memory in MiB: rss includes the embedded engine; heap and external are Node's. */
function memoryMiB(): Record<string, number> {
  const m = process.memoryUsage();
  const mib = (n: number) => Math.round(n / 1024 / 1024);
  return {
    rss: mib(m.rss),
    heapUsed: mib(m.heapUsed),
    heapTotal: mib(m.heapTotal),
    external: mib(m.external),
  };
}

/** Starts the all-in-one: store, OTLP gateway, ClickHouse HTTP interface, API. */
export async function startSpyglass(config: UpConfig): Promise<RunningSpyglass> {
  const logger = createConsoleLogger(config.logLevel);
  const dataDir = resolve(config.dataDir);
  let ready = false;
  let store: Store | undefined;
  let gateway: Gateway | undefined;
  let clickhouse: { shutdown(): Promise<void> } | undefined;
  let api: Awaited<ReturnType<typeof startApiServer>> | undefined;
  try {
    store = await openStore(
      config.clickhouseUrl
        ? { kind: 'remote', url: config.clickhouseUrl, database: config.database, ttl: config.retention }
        : {
            kind: 'embedded',
            path: join(dataDir, 'clickhouse'),
            database: config.database,
            ttl: config.retention,
          },
    );
    logger.info(`store ready`, {
      engine: store.driver.kind,
      version: store.serverVersion,
      migrationsApplied: store.migration.applied.length,
    });
    gateway = await startGateway({
      driver: store.driver,
      database: store.database,
      host: config.host,
      grpcPort: config.otlpGrpcPort,
      httpPort: config.otlpHttpPort,
      dataDir,
      writeAheadLog: config.ingest.writeAheadLog,
      apiKeys: config.apiKeys,
      corsOrigins: config.corsOrigins,
      maxBodyBytes: config.ingest.maxBodyBytes,
      batch: {
        maxBytes: config.ingest.batchMaxBytes,
        maxRows: config.ingest.batchMaxRows,
        flushIntervalMs: config.ingest.flushIntervalMs,
        commitIntervalMs: config.ingest.commitIntervalMs,
      },
      maxQueuedBytes: config.ingest.maxQueuedBytes,
      insertConcurrency: config.ingest.insertConcurrency,
      maxInsertRows: config.ingest.maxInsertRows,
      logger,
    });
    let clickhousePort: number | null = null;
    if (store.driver.kind === 'embedded' && config.clickhouseHttp.enabled) {
      // Loaded only for the embedded store: a remote server has its own HTTP interface.
      const { createClickHouseHttpServer } = await import('@spyglass/clickhouse-http');
      const server = createClickHouseHttpServer({
        driver: store.driver,
        host: config.host,
        port: config.clickhousePort,
        readOnly: config.clickhouseHttp.readOnly,
      });
      clickhouse = server;
      clickhousePort = (await server.start()).port;
    }
    const g = gateway;
    // The install builds the UI; after a source change it is rebuilt here, in the background,
    // while the previous build (if any) is served. Assets of older builds stay (build-ui.ts).
    let uiDir = findBuiltUi();
    if (!uiDir) {
      uiDir = findLatestBuiltUi();
      logger.info('building the web UI (once after an install or update)');
      ensureUiBuilt({ quiet: true }).then(
        (built) => {
          uiDir = built.dir;
          logger.info('web UI ready');
        },
        (err: unknown) => logger.error('the web UI failed to build', { error: (err as Error).message }),
      );
    }
    api = await startApiServer({
      uiDir: () => uiDir,
      host: config.host,
      port: config.httpPort,
      driver: store.driver,
      health: () => ({
        ready,
        details: {
          store: config.clickhouseUrl ? 'remote' : 'embedded',
          ingest: g.stats(),
          memory: memoryMiB(),
        },
      }),
    });
    if (config.apiKeys.length === 0) {
      if (LOOPBACK.has(config.host))
        logger.warn(
          `no API keys configured: OTLP ingest is unauthenticated, so Spyglass listens on ${config.host} only`,
        );
      else
        logger.warn(
          `no API keys configured and --host ${config.host}: anyone who can reach this host can send telemetry`,
        );
    }
    ready = true;
    const ports = {
      http: api.port,
      otlpGrpc: gateway.grpcPort,
      otlpHttp: gateway.httpPort,
      clickhouse: clickhousePort,
    };
    logger.info('Spyglass is up', {
      ui: `http://${config.host}:${ports.http}/search`,
      api: `http://${config.host}:${ports.http}/api`,
      otlpGrpc: `${config.host}:${ports.otlpGrpc}`,
      otlpHttp: `http://${config.host}:${ports.otlpHttp}`,
      ...(clickhousePort !== null ? { clickhouseHttp: `http://${config.host}:${clickhousePort}` } : {}),
      dataDir,
    });
    let closing: Promise<void> | undefined;
    const s = store;
    const c = clickhouse;
    const a = api;
    return {
      ports,
      store: s,
      gateway: g,
      shutdown() {
        closing ??= (async () => {
          ready = false;
          await g.shutdown();
          await c?.shutdown();
          await a.app.close();
          await s.close();
        })();
        return closing;
      },
    };
  } catch (err) {
    await gateway?.shutdown();
    await clickhouse?.shutdown();
    await api?.app.close();
    await store?.close();
    throw err;
  }
}
