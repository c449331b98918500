import { bucketSeconds, toDateTime64Param, type TimeRange } from '../time/time-range.ts';
import type { BuiltQuery } from './search-query.ts';

/**
 * RED metrics (rate, errors, duration) from entry spans (Server and Consumer
 * kinds), weighted by SampleRate so that sampled traces still give true
 * counts: rate = sum(SampleRate) per second, error rate = weighted share of
 * Error spans, p50/p95/p99 = weighted quantiles of Duration (in ms).
 * `by` = 'service' (one series per service) or 'operation' (per SpanName of one service).
 */
export function buildRedQuery(
  range: TimeRange,
  by: 'service' | 'operation',
  service?: string,
  series = true,
): BuiltQuery {
  const seconds = bucketSeconds(range);
  const params: Record<string, string | number> = {
    from: toDateTime64Param(range.fromMs),
    to: toDateTime64Param(range.toMs),
    bucket: seconds,
  };
  const key = by === 'service' ? 'ServiceName' : 'SpanName';
  let where = `Timestamp >= parseDateTime64BestEffort({from:String}, 9) AND Timestamp < parseDateTime64BestEffort({to:String}, 9) AND SpanKind IN ('Server', 'Consumer', 'SPAN_KIND_SERVER', 'SPAN_KIND_CONSUMER')`;
  if (service !== undefined) {
    where += ' AND ServiceName = {service:String}';
    params['service'] = service;
  }
  const window = series ? '{bucket:UInt32}' : `${Math.max(1, (range.toMs - range.fromMs) / 1000)}`;
  const metrics =
    `sum(SampleRate) AS requests, sum(SampleRate) / ${window} AS rate, ` +
    `sumIf(SampleRate, StatusCode IN ('Error', 'STATUS_CODE_ERROR')) / sum(SampleRate) AS errorRate, ` +
    `arrayMap(q -> q / 1000000, quantilesTDigestWeighted(0.5, 0.95, 0.99)(Duration, SampleRate)) AS durationMs`;
  const bucket = series ? ', toStartOfInterval(Timestamp, toIntervalSecond({bucket:UInt32})) AS t' : '';
  return {
    sql: `SELECT ${key} AS name${bucket}, ${metrics} FROM otel_traces WHERE ${where} GROUP BY name${series ? ', t' : ''} ORDER BY name${series ? ', t' : ''}`,
    params,
  };
}
