import type { RetentionDays } from './schema-options.ts';
import { METRIC_TABLES } from './ddl-metrics.ts';

/** The TTL expression of each table, for `ALTER TABLE ... MODIFY TTL` on existing tables. */
export function ttlExpressions(
  ttl: RetentionDays,
): Array<{ table: string; expression: string; days: number }> {
  return [
    {
      table: 'otel_traces',
      expression: `toDate(Timestamp) + toIntervalDay(${ttl.traces})`,
      days: ttl.traces,
    },
    {
      table: 'otel_traces_trace_id_ts',
      expression: `toDate(Start) + toIntervalDay(${ttl.traces})`,
      days: ttl.traces,
    },
    { table: 'otel_logs', expression: `toDateTime(Timestamp) + toIntervalDay(${ttl.logs})`, days: ttl.logs },
    ...METRIC_TABLES.map((kind) => ({
      table: `otel_metrics_${kind}`,
      expression: `toDateTime(TimeUnix) + toIntervalDay(${ttl.metrics})`,
      days: ttl.metrics,
    })),
  ];
}
