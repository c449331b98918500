import type { SchemaOptions } from './schema-options.ts';
import { GRANULE_BYTES, itemsAlias, ttlDays } from './ddl-helpers.ts';

/** otel_traces as in ClickStack's seed 00005 (see shared/docs/SCHEMA.md). */
export function createTracesTableSql(o: SchemaOptions): string {
  const textIndexes = o.textIndexes
    ? `INDEX idx_res_attr_items ResourceAttributeItems TYPE text(tokenizer = 'array'),
    INDEX idx_span_attr_items SpanAttributeItems TYPE text(tokenizer = 'array'),`
    : `INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_value mapValues(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,`;
  return `CREATE TABLE IF NOT EXISTS ${o.database}.otel_traces (
    Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
    TraceId String CODEC(ZSTD(1)),
    SpanId String CODEC(ZSTD(1)),
    ParentSpanId String CODEC(ZSTD(1)),
    TraceState String CODEC(ZSTD(1)),
    SpanName LowCardinality(String) CODEC(ZSTD(1)),
    SpanKind LowCardinality(String) CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    ScopeVersion String CODEC(ZSTD(1)),
    SpanAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    Duration UInt64 CODEC(T64, ZSTD(1)),
    StatusCode LowCardinality(String) CODEC(ZSTD(1)),
    StatusMessage String CODEC(ZSTD(1)),
    \`Events.Timestamp\` Array(DateTime64(9)) CODEC(ZSTD(1)),
    \`Events.Name\` Array(LowCardinality(String)) CODEC(ZSTD(1)),
    \`Events.Attributes\` Array(Map(LowCardinality(String), String)) CODEC(ZSTD(1)),
    \`Links.TraceId\` Array(String) CODEC(ZSTD(1)),
    \`Links.SpanId\` Array(String) CODEC(ZSTD(1)),
    \`Links.TraceState\` Array(String) CODEC(ZSTD(1)),
    \`Links.Attributes\` Array(Map(LowCardinality(String), String)) CODEC(ZSTD(1)),
    \`__hdx_materialized_rum.sessionId\` String MATERIALIZED ResourceAttributes['rum.sessionId'] CODEC(ZSTD(1)),
    SampleRate UInt64 MATERIALIZED greatest(toUInt64OrZero(SpanAttributes['SampleRate']), 1) CODEC(T64, ZSTD(1)),
    ResourceAttributeItems Array(String) ALIAS ${itemsAlias('ResourceAttributes')},
    SpanAttributeItems Array(String) ALIAS ${itemsAlias('SpanAttributes')},
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_rum_session_id \`__hdx_materialized_rum.sessionId\` TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_key mapKeys(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    ${textIndexes}
    INDEX idx_duration Duration TYPE minmax GRANULARITY 1,
    INDEX idx_lower_span_name lower(SpanName) TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 8
  )
  ENGINE = MergeTree
  PARTITION BY toDate(Timestamp)
  ORDER BY (ServiceName, SpanName, toDateTime(Timestamp))
  TTL toDate(Timestamp) + ${ttlDays(o.ttl.traces)}
  SETTINGS index_granularity = 8192, index_granularity_bytes = ${GRANULE_BYTES}, ttl_only_drop_parts = 1${o.dedupSetting}`;
}

/** Trace-id to time-range lookup (the upstream exporter's shape), fed by a materialized view. */
export function createTraceIdTsTableSql(o: SchemaOptions): string {
  return `CREATE TABLE IF NOT EXISTS ${o.database}.otel_traces_trace_id_ts (
    TraceId String CODEC(ZSTD(1)),
    Start SimpleAggregateFunction(min, DateTime) CODEC(Delta, ZSTD(1)),
    End SimpleAggregateFunction(max, DateTime) CODEC(Delta, ZSTD(1)),
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.01) GRANULARITY 1
  )
  ENGINE = AggregatingMergeTree
  PARTITION BY toStartOfWeek(Start)
  ORDER BY (TraceId)
  TTL toDate(Start) + ${ttlDays(o.ttl.traces)}
  SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1`;
}

export function createTraceIdTsViewSql(o: SchemaOptions): string {
  return `CREATE MATERIALIZED VIEW IF NOT EXISTS ${o.database}.otel_traces_trace_id_ts_mv
  TO ${o.database}.otel_traces_trace_id_ts
  AS SELECT
    TraceId,
    min(toDateTime(Timestamp)) AS Start,
    max(toDateTime(Timestamp)) AS End
  FROM ${o.database}.otel_traces
  WHERE TraceId != ''
  GROUP BY TraceId`;
}
