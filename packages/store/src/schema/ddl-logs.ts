import type { SchemaOptions } from './schema-options.ts';
import { GRANULE_BYTES, itemsAlias, ttlDays } from './ddl-helpers.ts';

const MAP = 'Map(LowCardinality(String), String)';
const HDX_MATERIALIZED_KEYS = [
  'k8s.cluster.name',
  'k8s.container.name',
  'k8s.deployment.name',
  'k8s.namespace.name',
  'k8s.node.name',
  'k8s.pod.name',
  'k8s.pod.uid',
  'deployment.environment.name',
];

/** otel_logs as in ClickStack's seed 00002 (see shared/docs/SCHEMA.md). */
export function createLogsTableSql(o: SchemaOptions): string {
  const materialized = HDX_MATERIALIZED_KEYS.map(
    (k) =>
      `\`__hdx_materialized_${k}\` LowCardinality(String) MATERIALIZED ResourceAttributes['${k}'] CODEC(ZSTD(1)),`,
  ).join('\n    ');
  const indexes = o.textIndexes
    ? `INDEX idx_trace_id TraceId TYPE text(tokenizer = 'array'),
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE text(tokenizer = 'array'),
    INDEX idx_scope_attr_key mapKeys(ScopeAttributes) TYPE text(tokenizer = 'array'),
    INDEX idx_log_attr_key mapKeys(LogAttributes) TYPE text(tokenizer = 'array'),
    INDEX idx_res_attr_items ResourceAttributeItems TYPE text(tokenizer = 'array'),
    INDEX idx_scope_attr_items ScopeAttributeItems TYPE text(tokenizer = 'array'),
    INDEX idx_log_attr_items LogAttributeItems TYPE text(tokenizer = 'array'),
    INDEX idx_lower_body lower(Body) TYPE text(tokenizer = 'splitByNonAlpha')`
    : `INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_key mapKeys(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_value mapValues(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_log_attr_key mapKeys(LogAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_log_attr_value mapValues(LogAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_lower_body lower(Body) TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 8`;
  return `CREATE TABLE IF NOT EXISTS ${o.database}.otel_logs (
    Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
    TraceId String CODEC(ZSTD(1)),
    SpanId String CODEC(ZSTD(1)),
    TraceFlags UInt8,
    SeverityText LowCardinality(String) CODEC(ZSTD(1)),
    SeverityNumber UInt8,
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    Body String CODEC(ZSTD(1)),
    ResourceSchemaUrl LowCardinality(String) CODEC(ZSTD(1)),
    ResourceAttributes ${MAP} CODEC(ZSTD(1)),
    ScopeSchemaUrl LowCardinality(String) CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    ScopeVersion LowCardinality(String) CODEC(ZSTD(1)),
    ScopeAttributes ${MAP} CODEC(ZSTD(1)),
    LogAttributes ${MAP} CODEC(ZSTD(1)),
    EventName String CODEC(ZSTD(1)),
    ${materialized}
    ResourceAttributeItems Array(String) ALIAS ${itemsAlias('ResourceAttributes')},
    ScopeAttributeItems Array(String) ALIAS ${itemsAlias('ScopeAttributes')},
    LogAttributeItems Array(String) ALIAS ${itemsAlias('LogAttributes')},
    ${indexes}
  )
  ENGINE = MergeTree
  PARTITION BY toDate(Timestamp)
  ORDER BY (toStartOfFiveMinutes(Timestamp), ServiceName, Timestamp)
  TTL toDateTime(Timestamp) + ${ttlDays(o.ttl.logs)}
  SETTINGS index_granularity = 8192, index_granularity_bytes = ${GRANULE_BYTES}, ttl_only_drop_parts = 1, enable_block_number_column = 1, enable_block_offset_column = 1${o.dedupSetting}`;
}
