import { createEmbeddedDriver } from './drivers/embedded-driver.ts';
import { createRemoteDriver } from './drivers/remote-driver.ts';
import type { StoreDriver } from './drivers/store-driver.ts';
import { migrate, type MigrateResult } from './schema/migrate.ts';
import { DEFAULT_RETENTION_DAYS, type RetentionDays, type SchemaOptions } from './schema/schema-options.ts';

export type StoreConfig =
  | {
      readonly kind: 'embedded';
      readonly path: string;
      readonly database?: string;
      readonly ttl?: RetentionDays;
    }
  | {
      readonly kind: 'remote';
      readonly url: string;
      readonly database?: string;
      readonly ttl?: RetentionDays;
    };

export interface Store {
  readonly driver: StoreDriver;
  readonly database: string;
  readonly serverVersion: string;
  readonly migration: MigrateResult;
  close(): Promise<void>;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Opens the store and brings its schema up to date. */
export async function openStore(config: StoreConfig): Promise<Store> {
  const database = config.database ?? 'default';
  if (!IDENTIFIER.test(database)) throw new RangeError(`Invalid database name "${database}"`);
  const driver =
    config.kind === 'embedded' ? createEmbeddedDriver(config.path) : createRemoteDriver({ url: config.url });
  try {
    const serverVersion = await driver.version();
    const isReplicated = false;
    const options: SchemaOptions = {
      database,
      ttl: config.ttl ?? DEFAULT_RETENTION_DAYS,
      textIndexes: versionAtLeast(serverVersion, 26, 2),
      dedupSetting: isReplicated ? '' : ', non_replicated_deduplication_window = 10000',
    };
    const migration = await migrate(driver, options);
    // Queries of the API, the gateway and the ClickHouse interface name tables without a database:
    // on the embedded engine, make the configured one the session's default (the migrations above
    // created it). A server's default database comes from its URL (`?database=`) or its user.
    if (database !== 'default' && config.kind === 'embedded') await driver.command(`USE ${database}`);
    return { driver, database, serverVersion, migration, close: () => driver.close() };
  } catch (err) {
    await driver.close();
    throw err;
  }
}

export function versionAtLeast(version: string, major: number, minor: number): boolean {
  const [a = 0, b = 0] = version.split('.').map(Number);
  return a > major || (a === major && b >= minor);
}
