import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '@spyglass/store';
import { startGateway, silentLogger, type Gateway } from '@spyglass/gateway';
import { buildTraceRequest } from '../support/trace-request.ts';
import { startSpyglassOnFreePorts } from '../support/spyglass-process.ts';

/**
 * The remote driver (@clickhouse/client over HTTP) end to end: migrations,
 * retention changes, batch inserts with deduplication tokens and queries, all
 * through ClickHouse's HTTP protocol to a real ClickHouse engine. No ClickHouse
 * server recent enough for the schema can be installed here (Debian ships
 * 18.16, without Map columns), so the server is a second Spyglass process
 * exposing its embedded engine on a writable ClickHouse HTTP interface.
 */
let server: ChildProcess;
let url: string;
let store: Store;
let gateway: Gateway;

before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'spyglass-remote-'));
  const started = await startSpyglassOnFreePorts({
    dataDir: join(dir, 'server'),
    config: 'clickhouseHttp:\n  readOnly: false\n',
  });
  server = started.child;
  const ports = started.ports;
  url = `http://127.0.0.1:${ports.ch}`;
  store = await openStore({
    kind: 'remote',
    url,
    database: 'remote_db',
    ttl: { traces: 10, logs: 10, metrics: 10 },
  });
  gateway = await startGateway({
    driver: store.driver,
    database: store.database,
    host: '127.0.0.1',
    grpcPort: null,
    httpPort: 0,
    dataDir: join(dir, 'gateway'),
    writeAheadLog: true,
    apiKeys: [],
    corsOrigins: ['*'],
    maxBodyBytes: 16 << 20,
    batch: { maxBytes: 1 << 20, maxRows: 10_000, flushIntervalMs: 20, commitIntervalMs: 5 },
    maxQueuedBytes: 64 << 20,
    insertConcurrency: 2,
    maxInsertRows: 100_000,
    logger: silentLogger,
  });
});
after(async () => {
  await gateway?.shutdown();
  await store?.close();
  server?.kill('SIGTERM');
});

test('the remote driver migrates a ClickHouse server over HTTP and sets retention', async () => {
  assert.equal(store.driver.kind, 'remote');
  assert.ok(store.migration.applied.length >= 4, 'migrations applied remotely');
  const tables = await store.driver.queryRows<{ name: string; ddl: string }>(
    "SELECT name, create_table_query AS ddl FROM system.tables WHERE database = 'remote_db' AND name = 'otel_traces'",
  );
  assert.match(tables[0]?.ddl ?? '', /toIntervalDay\(10\)/, 'the configured TTL');
  const again = await openStore({
    kind: 'remote',
    url,
    database: 'remote_db',
    ttl: { traces: 3, logs: 10, metrics: 10 },
  });
  try {
    assert.deepEqual(again.migration.applied, [], 'recorded migrations are not re-applied');
    assert.ok(again.migration.ttlChanged.includes('otel_traces'), 'retention changed on the existing table');
  } finally {
    await again.close();
  }
});

test('spans sent to a gateway on the remote driver are stored once, and a replayed insert is deduplicated', async () => {
  const { body, spanIds } = buildTraceRequest({ service: 'remote-svc', spans: 300, seed: 42 });
  const r = await fetch(`http://127.0.0.1:${gateway.httpPort}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf' },
    body,
  });
  assert.equal(r.status, 200);
  const count = async () =>
    Number(
      (
        await store.driver.queryRows<{ n: number }>(
          "SELECT count() AS n FROM remote_db.otel_traces WHERE ServiceName = 'remote-svc'",
        )
      )[0]?.n,
    );
  for (let i = 0; i < 100 && (await count()) < spanIds.length; i++)
    await new Promise((res) => setTimeout(res, 50));
  assert.equal(await count(), spanIds.length);

  // A retried insert of the same batch (same token) must not store it twice.
  const { decodeRequest } = await import('@spyglass/otlp');
  const rows = decodeRequest(
    'traces',
    'protobuf',
    buildTraceRequest({ service: 'remote-dedup', spans: 50, seed: 9 }).body,
  ).tables[0]!;
  const file = join(mkdtempSync(join(tmpdir(), 'spyglass-remote-file-')), 'batch.rowbinary');
  writeFileSync(file, rows.body);
  for (let i = 0; i < 2; i++) {
    await store.driver.insertFile({
      table: 'remote_db.otel_traces',
      columns: rows.columns,
      paths: [file, file],
      dedupToken: 'remote-test/1',
    });
  }
  const [dedup] = await store.driver.queryRows<{ n: number }>(
    "SELECT count() AS n FROM remote_db.otel_traces WHERE ServiceName = 'remote-dedup'",
  );
  assert.equal(Number(dedup?.n), 100, 'two files in one insert, inserted once');
});
