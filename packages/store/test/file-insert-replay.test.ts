import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmbeddedDriver } from '../src/drivers/embedded-driver.ts';
import type { StoreDriver } from '../src/drivers/store-driver.ts';

/**
 * The ingest pipeline's exactly-once contract rests on what the engine does
 * with a repeated file insert (a replay after a crash): the same files with
 * the same deduplication token are dropped, whatever order the engine reads
 * them in this time. The same token over a subset of the files is a different
 * insert: ClickHouse derives the deduplication ids from the token and the
 * insert's source blocks. That is why the spool never replays part of a group
 * (BatchSpool.open); the second test shows the engine behaviour it avoids.
 */
async function withFiles(run: (driver: StoreDriver, paths: string[]) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'spyglass-replay-'));
  const driver = createEmbeddedDriver(join(dir, 'db'));
  try {
    const paths: string[] = [];
    for (let f = 0; f < 6; f++) {
      const path = join(dir, `batch-${f}.rowbinary`);
      await driver.command(
        `INSERT INTO FUNCTION file('${path}', 'RowBinary', 'id UInt64, body String') ` +
          `SELECT number + ${f * 1000}, repeat('x', 100) FROM numbers(1000)`,
      );
      paths.push(path);
    }
    await run(driver, paths);
  } finally {
    await driver.close();
  }
}

const columns = [
  ['id', 'UInt64'],
  ['body', 'String'],
] as const;

async function table(driver: StoreDriver, name: string): Promise<string> {
  await driver.command(
    `CREATE TABLE ${name} (id UInt64, body String) ENGINE = MergeTree ORDER BY id ` +
      'SETTINGS non_replicated_deduplication_window = 1000',
  );
  return name;
}

async function counts(driver: StoreDriver, name: string): Promise<{ rows: number; ids: number }> {
  const [row] = await driver.queryRows<{ rows: string; ids: string }>(
    `SELECT count() AS rows, uniqExact(id) AS ids FROM ${name}`,
  );
  return { rows: Number(row?.rows), ids: Number(row?.ids) };
}

test('a file insert repeated with its token stores each file once, in whatever order the files are read', async () => {
  await withFiles(async (driver, paths) => {
    const name = await table(driver, 'repeated');
    for (let attempt = 0; attempt < 8; attempt++)
      await driver.insertFile({ table: name, columns, paths, dedupToken: 'group-1/repeated' });
    assert.deepEqual(await counts(driver, name), { rows: 6000, ids: 6000 });
  });
});

test('engine behaviour the spool avoids: the same token over fewer files stores them again', async () => {
  await withFiles(async (driver, paths) => {
    const name = await table(driver, 'subset');
    await driver.insertFile({ table: name, columns, paths, dedupToken: 'group-1/subset' });
    await driver.insertFile({ table: name, columns, paths: paths.slice(1), dedupToken: 'group-1/subset' });
    assert.deepEqual(
      await counts(driver, name),
      { rows: 11_000, ids: 6000 },
      'if the engine now drops this repeat, BatchSpool.open may replay part of a group again',
    );
  });
});
