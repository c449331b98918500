import type { SchemaOptions } from './schema-options.ts';
import { createTracesTableSql, createTraceIdTsTableSql, createTraceIdTsViewSql } from './ddl-traces.ts';
import { createLogsTableSql } from './ddl-logs.ts';
import { createMetricsTableSql, METRIC_TABLES } from './ddl-metrics.ts';
import { createSavedSearchesTableSql } from './ddl-saved-searches.ts';

/**
 * A versioned schema change. Versions are applied in order, once each, and
 * recorded in `spyglass_schema_migrations`. Statements must be idempotent
 * (IF NOT EXISTS), so that a crash between a statement and its record is safe.
 * Never edit a released migration: add a new one.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  statements(o: SchemaOptions): string[];
}

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'otel_traces', statements: (o) => [createTracesTableSql(o)] },
  { version: 2, name: 'otel_logs', statements: (o) => [createLogsTableSql(o)] },
  {
    version: 3,
    name: 'otel_metrics',
    statements: (o) => METRIC_TABLES.map((kind) => createMetricsTableSql(o, kind)),
  },
  {
    version: 4,
    name: 'otel_traces_trace_id_ts',
    statements: (o) => [createTraceIdTsTableSql(o), createTraceIdTsViewSql(o)],
  },
  { version: 5, name: 'spyglass_saved_searches', statements: (o) => [createSavedSearchesTableSql(o)] },
];

export const MIGRATIONS_TABLE = 'spyglass_schema_migrations';

export function createMigrationsTableSql(database: string): string {
  return `CREATE TABLE IF NOT EXISTS ${database}.${MIGRATIONS_TABLE} (
    version UInt32,
    name String,
    applied_at DateTime64(3) DEFAULT now64(3)
  ) ENGINE = MergeTree ORDER BY version`;
}
