import type { StoreDriver } from '../drivers/store-driver.ts';
import { MIGRATIONS, MIGRATIONS_TABLE, createMigrationsTableSql, type Migration } from './migrations.ts';
import type { RetentionDays, SchemaOptions } from './schema-options.ts';
import { ttlExpressions } from './ttl.ts';

export interface MigrateResult {
  readonly applied: number[];
  readonly ttlChanged: string[];
}

/**
 * Brings the schema up to date: applies the migrations not yet recorded, in
 * order, then makes each table's TTL match the configured retention.
 * Safe to run concurrently with ingest and to re-run after a crash.
 */
export async function migrate(
  driver: StoreDriver,
  options: SchemaOptions,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<MigrateResult> {
  const db = options.database;
  await driver.command(`CREATE DATABASE IF NOT EXISTS ${db}`);
  await driver.command(createMigrationsTableSql(db));
  const done = new Set(
    (await driver.queryRows<{ version: number }>(`SELECT version FROM ${db}.${MIGRATIONS_TABLE}`)).map((r) =>
      Number(r.version),
    ),
  );
  const applied: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (done.has(m.version)) continue;
    for (const statement of m.statements(options)) await driver.command(statement);
    await driver.command(
      `INSERT INTO ${db}.${MIGRATIONS_TABLE} (version, name) VALUES ({v:UInt32}, {n:String})`,
      {
        params: { v: m.version, n: m.name },
      },
    );
    applied.push(m.version);
  }
  const ttlChanged = await applyRetention(driver, db, options.ttl);
  return { applied, ttlChanged };
}

/** Changes TTLs of existing tables whose retention differs from `ttl`. Returns the tables changed. */
export async function applyRetention(
  driver: StoreDriver,
  database: string,
  ttl: RetentionDays,
): Promise<string[]> {
  const current = await driver.queryRows<{ name: string; create_table_query: string }>(
    `SELECT name, create_table_query FROM system.tables WHERE database = {db:String}`,
    { params: { db: database } },
  );
  const byName = new Map(current.map((t) => [t.name, t.create_table_query]));
  const changed: string[] = [];
  for (const { table, expression, days } of ttlExpressions(ttl)) {
    const ddl = byName.get(table);
    if (ddl === undefined) continue;
    if (ddl.includes(`toIntervalDay(${days})`)) continue;
    await driver.command(`ALTER TABLE ${database}.${table} MODIFY TTL ${expression}`);
    changed.push(table);
  }
  return changed;
}
