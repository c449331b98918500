import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, migrate, MIGRATIONS } from '../src/index.ts';

test('embedded store: migrations are applied once, recorded, and TTLs can be changed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'spyglass-store-'));
  const store = await openStore({ kind: 'embedded', path: dir });
  try {
    assert.deepEqual(
      store.migration.applied,
      MIGRATIONS.map((m) => m.version),
    );
    const tables = (
      await store.driver.queryRows<{ name: string }>(
        "SELECT name FROM system.tables WHERE database = 'default' AND name LIKE 'otel_%' ORDER BY name",
      )
    ).map((r) => r.name);
    for (const t of [
      'otel_traces',
      'otel_logs',
      'otel_metrics_gauge',
      'otel_metrics_sum',
      'otel_metrics_histogram',
      'otel_metrics_exponential_histogram',
      'otel_metrics_summary',
      'otel_traces_trace_id_ts',
      'otel_traces_trace_id_ts_mv',
    ]) {
      assert.ok(tables.includes(t), `table ${t} exists`);
    }
    // ClickStack column types must match exactly.
    const cols = await store.driver.queryRows<{ name: string; type: string }>(
      "SELECT name, type FROM system.columns WHERE database='default' AND table='otel_traces'",
    );
    const type = (n: string) => cols.find((c) => c.name === n)?.type;
    assert.equal(type('Timestamp'), 'DateTime64(9)');
    assert.equal(type('SpanAttributes'), 'Map(LowCardinality(String), String)');
    assert.equal(type('Events.Attributes'), 'Array(Map(LowCardinality(String), String))');
    assert.equal(type('SampleRate'), 'UInt64');
    // Re-running is a no-op; a new retention is applied to existing tables.
    const again = await migrate(store.driver, {
      database: 'default',
      ttl: { traces: 7, logs: 3, metrics: 30 },
      textIndexes: true,
      dedupSetting: '',
    });
    assert.deepEqual(again.applied, []);
    assert.ok(again.ttlChanged.includes('otel_traces'));
    assert.ok(again.ttlChanged.includes('otel_logs'));
  } finally {
    await store.close();
  }
});

test('a database other than default: tables are created there and unqualified names refer to it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'spyglass-store-db-'));
  const store = await openStore({ kind: 'embedded', path: dir, database: 'telemetry' });
  try {
    const [row] = await store.driver.queryRows<{ db: string; n: number | string }>(
      'SELECT currentDatabase() AS db, count() AS n FROM otel_traces',
    );
    assert.equal(row?.db, 'telemetry');
    assert.equal(Number(row?.n), 0);
    const tables = await store.driver.queryRows<{ name: string }>(
      "SELECT name FROM system.tables WHERE database = 'telemetry' AND name = 'otel_logs'",
    );
    assert.equal(tables.length, 1);
  } finally {
    await store.close();
  }
});
