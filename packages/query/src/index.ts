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
