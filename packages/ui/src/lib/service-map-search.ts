import type { NodeKind } from '../api/api-types.ts';
import { toDateTime64Param } from '@spyglass/query';
import {
  ENTRY_SPANS_SQL,
  lucene,
  quoteSearchValue,
  redSpansQuery,
  sqlString,
  type SpanQuery,
} from './red-search.ts';

/*
 * The spans behind a node or an edge of the service map, as
 * packages/query/src/queries/service-map-query.ts counts them, for example traces and
 * search links.
 */

/**
 * Database nodes are named by `db.system.name` or, from older semantic conventions,
 * `db.system`; broker nodes by `messaging.system`.
 */
export function databaseCondition(system: string): string {
  const v = quoteSearchValue(system);
  return `(db.system.name:${v} OR db.system:${v})`;
}

export function brokerCondition(system: string): string {
  return `messaging.system:${quoteSearchValue(system)}`;
}

/** A node's spans: a service's entry spans, a database's client calls, a broker's sends and receives. */
export function nodeSpans(id: string, kind: NodeKind): SpanQuery {
  if (kind === 'database') return lucene(`kind:Client ${databaseCondition(id)}`);
  if (kind === 'broker') return lucene(`${brokerCondition(id)} (kind:Producer OR kind:Consumer)`);
  return lucene(redSpansQuery(id));
}

/**
 * An edge's spans, as the map query counts them:
 * - service -> database: the source's Client spans to that system;
 * - service -> broker: the source's Producer spans to it; broker -> service: the target's Consumer spans;
 * - service -> service: the target's entry spans whose parent span is in the source (SQL;
 *   the parent is looked for up to an hour before the range, as the map query does).
 */
export function edgeSpans(
  edge: { source: string; target: string },
  kinds: { source: NodeKind; target: NodeKind },
  range: { fromMs: number; toMs: number },
): SpanQuery {
  const source = quoteSearchValue(edge.source);
  const target = quoteSearchValue(edge.target);
  if (kinds.target === 'database') {
    return lucene(`service:${source} kind:Client ${databaseCondition(edge.target)}`);
  }
  if (kinds.target === 'broker') {
    return lucene(`service:${source} kind:Producer ${brokerCondition(edge.target)}`);
  }
  if (kinds.source === 'broker' || kinds.source === 'database') {
    return lucene(`service:${target} kind:Consumer ${brokerCondition(edge.source)}`);
  }
  const parentFrom = sqlString(toDateTime64Param(range.fromMs - 3_600_000));
  const parentTo = sqlString(toDateTime64Param(range.toMs));
  const sql =
    `ServiceName = ${sqlString(edge.target)} AND ${ENTRY_SPANS_SQL} AND (TraceId, ParentSpanId) IN ` +
    `(SELECT TraceId, SpanId FROM otel_traces WHERE ServiceName = ${sqlString(edge.source)} ` +
    `AND Timestamp >= parseDateTime64BestEffort(${parentFrom}, 9) AND Timestamp < parseDateTime64BestEffort(${parentTo}, 9))`;
  return { language: 'sql', text: sql };
}
