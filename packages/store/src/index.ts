export { openStore, versionAtLeast, type Store, type StoreConfig } from './open-store.ts';
export type {
  StoreDriver,
  FileInsert,
  ColumnSpec,
  QueryOptions,
  RawQueryOptions,
  QueryParams,
} from './drivers/store-driver.ts';
export { createEmbeddedDriver, parseJsonEachRow } from './drivers/embedded-driver.ts';
export { createRemoteDriver } from './drivers/remote-driver.ts';
export { StoreError } from './store-error.ts';
export { migrate, applyRetention } from './schema/migrate.ts';
export { MIGRATIONS, MIGRATIONS_TABLE } from './schema/migrations.ts';
export { SAVED_SEARCHES_TABLE } from './schema/ddl-saved-searches.ts';
export { DEFAULT_RETENTION_DAYS, type RetentionDays, type SchemaOptions } from './schema/schema-options.ts';
export { METRIC_TABLES, type MetricKind } from './schema/ddl-metrics.ts';
