export { parseSearch } from './search/parser.ts';
export { renderSql, type RenderedSql, type RenderOptions } from './search/render-sql.ts';
export { explainSearch } from './search/explain.ts';
export { SearchSyntaxError } from './search/search-error.ts';
export type { SearchNode, MatchNode, MatchValue, Comparison } from './search/ast.ts';
export {
  SCHEMAS,
  resolveField,
  defaultAttributeMapResolver,
  type Signal,
  type SignalSchema,
  type ResolvedField,
  type AttributeMapResolver,
} from './search/fields.ts';
export { parseInstant, toDateTime64Param, bucketSeconds, type TimeRange } from './time/time-range.ts';
export {
  buildFilter,
  buildSearchQuery,
  encodeCursor,
  decodeCursor,
  ROW_COLUMNS,
  type BuiltFilter,
  type BuiltQuery,
  type Cursor,
  type Language,
  type FilterInput,
} from './queries/search-query.ts';
export { buildHistogramQuery } from './queries/histogram-query.ts';
export {
  buildTraceQuery,
  buildTraceLogsQuery,
  isTraceId,
  TRACE_SPAN_COLUMNS,
} from './queries/trace-query.ts';
export { buildRedQuery } from './queries/red-query.ts';
export { buildServiceMapQuery, buildSpanCountQuery } from './queries/service-map-query.ts';
export { buildFieldsQuery, buildFieldValuesQuery } from './queries/fields-query.ts';
