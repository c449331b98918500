import type { SchemaOptions } from './schema-options.ts';

export const SAVED_SEARCHES_TABLE = 'spyglass_saved_searches';

/**
 * Searches saved from the UI, shared by everyone who uses this Spyglass. One row per
 * change; ReplacingMergeTree keeps the latest version of each name, and a deletion is a
 * version with `deleted = 1`. Readers use FINAL (the table is tiny).
 */
export function createSavedSearchesTableSql(o: SchemaOptions): string {
  return `CREATE TABLE IF NOT EXISTS ${o.database}.${SAVED_SEARCHES_TABLE} (
    name String,
    signal LowCardinality(String),
    query String,
    language LowCardinality(String),
    range_from String,
    range_to String,
    columns String,
    updated_at DateTime64(6),
    deleted UInt8
  ) ENGINE = ReplacingMergeTree(updated_at, deleted) ORDER BY name`;
}
