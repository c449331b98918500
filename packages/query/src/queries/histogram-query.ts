import { SCHEMAS, resolveField, defaultAttributeMapResolver, type Signal } from '../search/fields.ts';
import { bucketSeconds, type TimeRange } from '../time/time-range.ts';
import type { BuiltFilter, BuiltQuery } from './search-query.ts';

/**
 * Counts of matching events per time bucket (automatic granularity, about 60
 * buckets), optionally split by a field into its top `topN` values (the rest
 * summed as "other"). Span counts are weighted by SampleRate.
 */
export function buildHistogramQuery(
  filter: BuiltFilter,
  signal: Signal,
  range: TimeRange,
  splitBy?: string,
  topN = 5,
): BuiltQuery & { bucketSeconds: number } {
  const seconds = bucketSeconds(range);
  const table = SCHEMAS[signal].table;
  const count = signal === 'traces' ? 'sum(SampleRate)' : 'count()';
  const params: Record<string, string | number> = { ...filter.params, bucket: seconds };
  const bucket = 'toStartOfInterval(Timestamp, toIntervalSecond({bucket:UInt32}))';
  if (!splitBy) {
    return {
      sql: `SELECT ${bucket} AS t, ${count} AS count FROM ${table} WHERE ${filter.where} GROUP BY t ORDER BY t`,
      params,
      bucketSeconds: seconds,
    };
  }
  const field = resolveField(SCHEMAS[signal], splitBy, defaultAttributeMapResolver);
  let expr: string;
  if (field.kind === 'column') expr = `toString(${field.column})`;
  else {
    params['splitKey'] = field.key;
    expr = `${field.map}[{splitKey:String}]`;
  }
  params['topN'] = topN;
  return {
    sql:
      `WITH top AS (SELECT ${expr} AS v FROM ${table} WHERE ${filter.where} GROUP BY v ORDER BY ${count} DESC LIMIT {topN:UInt32}) ` +
      `SELECT ${bucket} AS t, if(${expr} IN (SELECT v FROM top), ${expr}, '__other__') AS series, ${count} AS count ` +
      `FROM ${table} WHERE ${filter.where} GROUP BY t, series ORDER BY t, series`,
    params,
    bucketSeconds: seconds,
  };
}
