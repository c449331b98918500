import { SCHEMAS, resolveField, defaultAttributeMapResolver, type Signal } from '../search/fields.ts';
import { toDateTime64Param, type TimeRange } from '../time/time-range.ts';
import type { BuiltQuery } from './search-query.ts';

/** Attribute keys seen in a range (sampled for speed), most frequent first, for autocomplete and facets. */
export function buildFieldsQuery(signal: Signal, range: TimeRange, limit: number): BuiltQuery {
  const schema = SCHEMAS[signal];
  const params = { from: toDateTime64Param(range.fromMs), to: toDateTime64Param(range.toMs), limit };
  const perMap = schema.attributeMaps.map(
    (map) =>
      `SELECT '${map}' AS map, key, count() AS n FROM (SELECT mapKeys(${map}) AS keys FROM ${schema.table} ` +
      `WHERE Timestamp >= parseDateTime64BestEffort({from:String}, 9) AND Timestamp < parseDateTime64BestEffort({to:String}, 9) LIMIT 100000) ` +
      `ARRAY JOIN keys AS key GROUP BY key`,
  );
  return {
    sql: `SELECT map, key, n FROM (${perMap.join(' UNION ALL ')}) ORDER BY n DESC, key LIMIT {limit:UInt32}`,
    params,
  };
}

/** The most frequent values of one field in a range. */
export function buildFieldValuesQuery(
  signal: Signal,
  field: string,
  range: TimeRange,
  limit: number,
): BuiltQuery {
  const schema = SCHEMAS[signal];
  const resolved = resolveField(schema, field, defaultAttributeMapResolver);
  const params: Record<string, string | number> = {
    from: toDateTime64Param(range.fromMs),
    to: toDateTime64Param(range.toMs),
    limit,
  };
  let expr: string;
  if (resolved.kind === 'column') expr = `toString(${resolved.column})`;
  else {
    params['key'] = resolved.key;
    expr = `${resolved.map}[{key:String}]`;
  }
  return {
    sql:
      `SELECT ${expr} AS value, count() AS n FROM (SELECT * FROM ${schema.table} ` +
      `WHERE Timestamp >= parseDateTime64BestEffort({from:String}, 9) AND Timestamp < parseDateTime64BestEffort({to:String}, 9) LIMIT 100000) ` +
      `WHERE value != '' GROUP BY value ORDER BY n DESC, value LIMIT {limit:UInt32}`,
    params,
  };
}
