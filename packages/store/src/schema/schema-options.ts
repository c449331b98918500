/** Per-signal retention, in days. */
export interface RetentionDays {
  readonly traces: number;
  readonly logs: number;
  readonly metrics: number;
}

export const DEFAULT_RETENTION_DAYS: RetentionDays = Object.freeze({ traces: 30, logs: 30, metrics: 90 });

/** What the DDL renderers need to know about the target server. */
export interface SchemaOptions {
  /** Database name, already validated as an identifier. */
  readonly database: string;
  readonly ttl: RetentionDays;
  /** ClickHouse >= 26.2 has text() indexes; older servers get the seed's "compat" variant. */
  readonly textIndexes: boolean;
  /**
   * Extra table setting that makes retried inserts idempotent on non-replicated
   * MergeTree (", non_replicated_deduplication_window = N"), or '' for servers
   * where deduplication is already on (Replicated*).
   */
  readonly dedupSetting: string;
}
