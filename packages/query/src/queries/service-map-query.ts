import { toDateTime64Param, type TimeRange } from '../time/time-range.ts';
import type { BuiltQuery } from './search-query.ts';

/**
 * Edges of the service map over a range, weighted by SampleRate:
 * - calls across services: a Server/Consumer span whose parent span is in another service;
 * - calls to databases and brokers: Client spans with db.system (or the newer
 *   db.system.name), Producer spans with
 *   messaging.system (target node = the system), and Consumer spans with messaging.system
 *   (source node = the system);
 * - batch consumption: a Consumer span linked (span links) to Producer spans of another service.
 * Each row: source, sourceKind, target, targetKind, calls, errors, p50/p95/p99 of the callee's Duration in ms.
 */
export function buildServiceMapQuery(range: TimeRange, sampleEvery = 1): BuiltQuery {
  const params = {
    from: toDateTime64Param(range.fromMs),
    to: toDateTime64Param(range.toMs),
    sample: sampleEvery,
  };
  // Trace-consistent sampling for large ranges (as HyperDX does): keep 1 trace in N, scale counts back by N.
  const sampled = sampleEvery > 1 ? ' AND cityHash64(TraceId) % {sample:UInt32} = 0' : '';
  const inRange = (alias: string, slackSeconds = 0) =>
    `${alias}Timestamp >= parseDateTime64BestEffort({from:String}, 9) - ${slackSeconds} AND ${alias}Timestamp < parseDateTime64BestEffort({to:String}, 9) + ${slackSeconds}`;
  const stats = (t: string) =>
    `sum(${t}SampleRate) * {sample:UInt32} AS calls, sumIf(${t}SampleRate, ${t}StatusCode IN ('Error', 'STATUS_CODE_ERROR')) * {sample:UInt32} AS errors, ` +
    `arrayMap(q -> q / 1000000, quantilesTDigestWeighted(0.5, 0.95, 0.99)(${t}Duration, ${t}SampleRate)) AS durationMs`;
  // The right side of a join is the one held in memory: the callee spans (Server/Consumer with a
  // parent), usually far fewer than all spans; the left side streams only Client/Producer spans.
  const crossService =
    `SELECT p.ServiceName AS source, 'service' AS sourceKind, c.ServiceName AS target, 'service' AS targetKind, ${stats('c.')} ` +
    `FROM (SELECT TraceId, SpanId, ServiceName FROM otel_traces WHERE ${inRange('', 3600)}${sampled} ` +
    `AND SpanKind IN ('Client', 'Producer', 'Internal', 'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER', 'SPAN_KIND_INTERNAL')) AS p ` +
    `INNER JOIN (SELECT TraceId, ParentSpanId, ServiceName, SampleRate, StatusCode, Duration FROM otel_traces ` +
    `WHERE ${inRange('')}${sampled} AND ParentSpanId != '' AND SpanKind IN ('Server', 'Consumer', 'SPAN_KIND_SERVER', 'SPAN_KIND_CONSUMER')) AS c ` +
    `ON c.TraceId = p.TraceId AND c.ParentSpanId = p.SpanId WHERE p.ServiceName != c.ServiceName GROUP BY source, target`;
  // mapContains() lets the bloom filter on mapKeys skip granules without the key.
  const databases =
    `SELECT ServiceName AS source, 'service' AS sourceKind, if(SpanAttributes['db.system.name'] != '', SpanAttributes['db.system.name'], SpanAttributes['db.system']) AS target, 'database' AS targetKind, ${stats('')} ` +
    `FROM otel_traces WHERE ${inRange('')}${sampled} AND (mapContains(SpanAttributes, 'db.system') OR mapContains(SpanAttributes, 'db.system.name')) AND SpanKind IN ('Client', 'SPAN_KIND_CLIENT') AND target != '' GROUP BY source, target`;
  const produce =
    `SELECT ServiceName AS source, 'service' AS sourceKind, SpanAttributes['messaging.system'] AS target, 'broker' AS targetKind, ${stats('')} ` +
    `FROM otel_traces WHERE ${inRange('')}${sampled} AND mapContains(SpanAttributes, 'messaging.system') AND SpanKind IN ('Producer', 'SPAN_KIND_PRODUCER') AND SpanAttributes['messaging.system'] != '' GROUP BY source, target`;
  const consume =
    `SELECT SpanAttributes['messaging.system'] AS source, 'broker' AS sourceKind, ServiceName AS target, 'service' AS targetKind, ${stats('')} ` +
    `FROM otel_traces WHERE ${inRange('')}${sampled} AND mapContains(SpanAttributes, 'messaging.system') AND SpanKind IN ('Consumer', 'SPAN_KIND_CONSUMER') AND SpanAttributes['messaging.system'] != '' GROUP BY source, target`;
  const links =
    `SELECT p.ServiceName AS source, 'service' AS sourceKind, c.ServiceName AS target, 'service' AS targetKind, ${stats('c.')} ` +
    `FROM (SELECT TraceId, SpanId, ServiceName FROM otel_traces WHERE ${inRange('', 3600)} AND SpanKind IN ('Producer', 'SPAN_KIND_PRODUCER')) AS p ` +
    `INNER JOIN (SELECT ServiceName, SampleRate, StatusCode, Duration, LinkTraceId, LinkSpanId FROM otel_traces ` +
    `ARRAY JOIN \`Links.TraceId\` AS LinkTraceId, \`Links.SpanId\` AS LinkSpanId WHERE ${inRange('')}${sampled} AND notEmpty(\`Links.SpanId\`)) AS c ` +
    `ON c.LinkTraceId = p.TraceId AND c.LinkSpanId = p.SpanId WHERE p.ServiceName != c.ServiceName GROUP BY source, target`;
  return {
    sql: [crossService, databases, produce, consume, links].join(' UNION ALL '),
    params,
  };
}

/** How many spans a range holds (for choosing the service map's sampling). */
export function buildSpanCountQuery(range: TimeRange): BuiltQuery {
  return {
    sql: 'SELECT count() AS n FROM otel_traces WHERE Timestamp >= parseDateTime64BestEffort({from:String}, 9) AND Timestamp < parseDateTime64BestEffort({to:String}, 9)',
    params: { from: toDateTime64Param(range.fromMs), to: toDateTime64Param(range.toMs) },
  };
}
