import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '@spyglass/store';
import { buildTraceRequest } from '../support/trace-request.ts';
import { exited, freePorts, startSpyglassProcess, type SpyglassPorts } from '../support/spyglass-process.ts';

// The YAML config file path is exercised here too; the ClickHouse HTTP interface is not needed.
const CONFIG = 'clickhouseHttp:\n  enabled: false\ningest:\n  flushIntervalMs: 100\n';
const startProcess = (dataDir: string, ports: SpyglassPorts) =>
  startSpyglassProcess({ dataDir, ports, config: CONFIG });

test('SIGKILL during ingest under load: every acknowledged span is stored exactly once after restart', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'spyglass-crash-'));
  const ports = await freePorts();
  const child = await startProcess(dataDir, ports);

  // Twelve concurrent senders of 1000-span requests with unique span ids; record what was acknowledged.
  const acknowledged = new Set<string>();
  let sent = 0;
  let stop = false;
  const sender = async (worker: number) => {
    for (let i = 0; !stop; i++) {
      const { body, spanIds } = buildTraceRequest({
        service: 'crash-test',
        spans: 1000,
        seed: worker * 1_000_000 + i,
      });
      sent++;
      try {
        const r = await fetch(`http://127.0.0.1:${ports.otlp}/v1/traces`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-protobuf' },
          body,
        });
        if (r.status === 200) for (const id of spanIds) acknowledged.add(id);
      } catch {
        return; // the process is gone
      }
    }
  };
  const senders = Array.from({ length: 12 }, (_, w) => sender(w));
  // Let it run under load, then kill it without warning, preferably while batches
  // are logged but not yet inserted (so that the replay path is exercised).
  await new Promise((r) => setTimeout(r, 1_500));
  for (let i = 0; i < 200; i++) {
    const r = await fetch(`http://127.0.0.1:${ports.http}/api/health`);
    const health = (await r.json()) as { ingest: { queuedBatches: number } };
    if (health.ingest.queuedBatches > 0) {
      process.stderr.write(`# killing with ${health.ingest.queuedBatches} batches queued (poll ${i})\n`);
      break;
    }
  }
  child.kill('SIGKILL');
  stop = true;
  await Promise.all(senders);
  await exited(child);
  assert.ok(
    acknowledged.size > 1000,
    `enough acknowledged before the kill (${acknowledged.size} of ${sent * 1000})`,
  );

  // Restart: the write-ahead log is replayed into the store.
  const again = await startProcess(dataDir, ports);
  const stopAgain = async () => {
    again.kill('SIGTERM');
    await exited(again);
  };
  try {
    // Wait until the replayed batches are all in the store.
    for (let i = 0; ; i++) {
      const r = await fetch(`http://127.0.0.1:${ports.http}/api/health`);
      const health = (await r.json()) as {
        status: string;
        ingest: { queuedBatches: number; replayedBatches: number };
      };
      if (health.status === 'ok' && health.ingest.queuedBatches === 0) {
        process.stderr.write(
          `# crash test: ${acknowledged.size} spans acknowledged, ${health.ingest.replayedBatches} batches replayed\n`,
        );
        break;
      }
      assert.ok(i < 300, 'replay finished in time');
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await stopAgain();
  }
  const store = await openStore({ kind: 'embedded', path: join(dataDir, 'clickhouse') });
  try {
    const rows = await store.driver.queryRows<{ SpanId: string; n: number }>(
      `SELECT SpanId, count() AS n FROM otel_traces WHERE ServiceName = 'crash-test' GROUP BY SpanId`,
    );
    const stored = new Map(rows.map((r) => [r.SpanId, Number(r.n)]));
    const missing = [...acknowledged].filter((id) => !stored.has(id));
    const duplicated = rows.filter((r) => Number(r.n) > 1);
    assert.equal(missing.length, 0, `acknowledged spans missing after restart: ${missing.length}`);
    assert.equal(duplicated.length, 0, `spans stored more than once: ${duplicated.length}`);
  } finally {
    await store.close();
  }
});

test('SIGTERM flushes what was acknowledged before the process exits', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'spyglass-sigterm-'));
  const ports = await freePorts();
  const child = await startProcess(dataDir, ports);
  const acknowledged: string[] = [];
  for (let i = 0; i < 20; i++) {
    const { body, spanIds } = buildTraceRequest({ service: 'sigterm-test', spans: 100, seed: 7_000_000 + i });
    const r = await fetch(`http://127.0.0.1:${ports.otlp}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body,
    });
    assert.equal(r.status, 200);
    acknowledged.push(...spanIds);
  }
  // Right after the last acknowledgement, before the batch can have been inserted.
  child.kill('SIGTERM');
  await exited(child);
  assert.equal(child.exitCode, 0, 'a clean exit');
  const store = await openStore({ kind: 'embedded', path: join(dataDir, 'clickhouse') });
  try {
    const [row] = await store.driver.queryRows<{ n: number; distinct: number }>(
      "SELECT count() AS n, uniqExact(SpanId) AS distinct FROM otel_traces WHERE ServiceName = 'sigterm-test'",
    );
    assert.equal(Number(row?.n), acknowledged.length, 'every acknowledged span is in the store');
    assert.equal(Number(row?.distinct), acknowledged.length);
    assert.deepEqual(readdirSync(join(dataDir, 'spool')), [], 'nothing left to replay');
  } finally {
    await store.close();
  }
});
