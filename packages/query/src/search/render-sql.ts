import type { MatchNode, MatchValue, SearchNode } from './ast.ts';
import {
  SCHEMAS,
  defaultAttributeMapResolver,
  resolveField,
  type AttributeMapResolver,
  type ResolvedField,
  type Signal,
} from './fields.ts';
import { SqlParams, escapeLike, splitTokens } from './sql-params.ts';

export interface RenderOptions {
  readonly resolver?: AttributeMapResolver;
}

export interface RenderedSql {
  /** A boolean SQL expression for WHERE, with `{pN:Type}` placeholders. */
  readonly sql: string;
  readonly params: Record<string, string | number>;
}

const NANOS_PER_MS = 1_000_000;

/**
 * Renders a search tree to a parameterised ClickHouse WHERE expression on the
 * signal's table. Identifiers come only from the known schema; every value
 * typed by the user is a typed query parameter. An empty search is `true`.
 */
export function renderSql(
  node: SearchNode | undefined,
  signal: Signal,
  options: RenderOptions = {},
): RenderedSql {
  const params = new SqlParams();
  const resolver = options.resolver ?? defaultAttributeMapResolver;
  const sql = node ? render(node, signal, params, resolver) : 'true';
  return { sql, params: params.values };
}

function render(node: SearchNode, signal: Signal, p: SqlParams, resolver: AttributeMapResolver): string {
  switch (node.kind) {
    case 'and':
      return node.children.map((c) => wrap(c, render(c, signal, p, resolver))).join(' AND ');
    case 'or':
      return node.children.map((c) => wrap(c, render(c, signal, p, resolver))).join(' OR ');
    case 'not':
      return `NOT (${render(node.child, signal, p, resolver)})`;
    case 'match':
      return renderMatch(node, signal, p, resolver);
  }
}

function wrap(node: SearchNode, sql: string): string {
  return node.kind === 'and' || node.kind === 'or' ? `(${sql})` : sql;
}

function renderMatch(node: MatchNode, signal: Signal, p: SqlParams, resolver: AttributeMapResolver): string {
  const schema = SCHEMAS[signal];
  if (node.field === undefined) return renderText(schema.textColumn, node.value, p);
  return renderField(resolveField(schema, node.field, resolver), node.value, p);
}

/** A bare term or phrase on the default text column: whole tokens (indexed), then the exact text. */
function renderText(column: string, value: MatchValue, p: SqlParams): string {
  switch (value.type) {
    case 'term':
    case 'phrase': {
      // ClickHouse's lower() changes ASCII letters only: so must we, or `Échec` would never match.
      const lowered = asciiLower(value.text);
      const tokens = splitTokens(lowered);
      const tokenChecks = tokens.map((t) => `hasToken(lower(${column}), ${p.add(t, 'String')})`);
      // A single plain word is exactly its token; anything else must also appear as typed.
      if (value.type === 'term' && tokens.length === 1 && tokens[0] === lowered) return tokenChecks[0]!;
      const substring = `positionCaseInsensitiveUTF8(${column}, ${p.add(value.text, 'String')}) > 0`;
      return tokenChecks.length > 0 ? `(${[...tokenChecks, substring].join(' AND ')})` : substring;
    }
    case 'wildcard':
      if (value.text === '') return 'true';
      return `${column} ILIKE ${p.add(likePattern(value.text, value.leading, value.trailing), 'String')}`;
    default:
      return 'true'; // exists/compare/range need a field: the parser never builds them without one
  }
}

function asciiLower(text: string): string {
  return text.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

function likePattern(text: string, leading: boolean, trailing: boolean): string {
  return (leading ? '%' : '') + escapeLike(text) + (trailing ? '%' : '');
}

function renderField(f: ResolvedField, value: MatchValue, p: SqlParams): string {
  if (f.kind === 'mapKey') return renderMapKey(f.map, f.key, value, p);
  const c = f.column;
  // The `duration` alias is in milliseconds (SEARCH.md); the Duration column itself in nanoseconds.
  if (f.type === 'number')
    return renderNumber(c, value, p, c === 'Duration' && f.label === 'duration' ? NANOS_PER_MS : 1);
  if (f.type === 'datetime') return renderDateTime(c, value, p);
  switch (value.type) {
    case 'term':
      return `${c} ILIKE ${p.add(likePattern(value.text, true, true), 'String')}`;
    case 'phrase':
      return `${c} = ${p.add(value.text, 'String')}`;
    case 'wildcard':
      if (value.text === '') return `notEmpty(${c})`;
      return `${c} ILIKE ${p.add(likePattern(value.text, value.leading, value.trailing), 'String')}`;
    case 'exists':
      return `notEmpty(${c})`;
    case 'compare':
      return `${c} ${value.op} ${p.add(value.text, 'String')}`;
    case 'range':
      return rangeSql(c, value, (v) => p.add(v, 'String'));
  }
}

function renderNumber(c: string, value: MatchValue, p: SqlParams, scale: number): string {
  const num = (text: string): number | undefined => {
    if (text === 'true') return 1;
    if (text === 'false') return 0;
    const n = Number(text);
    return text.trim() !== '' && Number.isFinite(n) ? n * scale : undefined;
  };
  switch (value.type) {
    case 'term':
    case 'phrase': {
      const n = num(value.text);
      return n === undefined
        ? `toString(${c}) = ${p.add(value.text, 'String')}`
        : `${c} = ${p.add(n, 'Float64')}`;
    }
    case 'exists':
      return 'true';
    case 'wildcard':
      return value.text === ''
        ? 'true'
        : `toString(${c}) LIKE ${p.add(likePattern(value.text, value.leading, value.trailing), 'String')}`;
    case 'compare': {
      const n = num(value.text);
      return n === undefined ? 'false' : `${c} ${value.op} ${p.add(n, 'Float64')}`;
    }
    case 'range':
      return rangeSql(c, value, (v) => {
        const n = num(v);
        return n === undefined ? 'NULL' : p.add(n, 'Float64');
      });
  }
}

function renderDateTime(c: string, value: MatchValue, p: SqlParams): string {
  const at = (v: string) => `parseDateTime64BestEffort(${p.add(v, 'String')}, 9)`;
  switch (value.type) {
    case 'compare':
      return `${c} ${value.op} ${at(value.text)}`;
    case 'range':
      return rangeSql(c, value, at);
    case 'exists':
      return 'true';
    default:
      return `toString(${c}) ILIKE ${p.add(likePattern('text' in value ? value.text : '', true, true), 'String')}`;
  }
}

/**
 * One key of an attribute map. The key itself is a parameter. Exact matches
 * also test the map's `*Items` column ('key=value'), which has a text index.
 */
function renderMapKey(map: string, key: string, value: MatchValue, p: SqlParams): string {
  const v = `${map}[${p.add(key, 'String')}]`;
  switch (value.type) {
    case 'term':
      return `${v} ILIKE ${p.add(likePattern(value.text, true, true), 'String')}`;
    case 'phrase':
      return `(has(${itemsColumn(map)}, ${p.add(`${key}=${value.text}`, 'String')}) AND ${v} = ${p.add(value.text, 'String')})`;
    case 'wildcard':
      if (value.text === '') return exists(map, v, key, p);
      return `${v} ILIKE ${p.add(likePattern(value.text, value.leading, value.trailing), 'String')}`;
    case 'exists':
      return exists(map, v, key, p);
    case 'compare': {
      const n = Number(value.text);
      return value.text.trim() !== '' && Number.isFinite(n)
        ? `toFloat64OrNull(${v}) ${value.op} ${p.add(n, 'Float64')}`
        : `${v} ${value.op} ${p.add(value.text, 'String')}`;
    }
    case 'range': {
      const numeric = [value.low, value.high].every((b) => b === undefined || Number.isFinite(Number(b)));
      return numeric
        ? rangeSql(`toFloat64OrNull(${v})`, value, (b) => p.add(Number(b), 'Float64'))
        : rangeSql(v, value, (b) => p.add(b, 'String'));
    }
  }
}

/** Present and not empty, as HyperDX's `notEmpty(...)`; mapContains lets the key index skip granules. */
function exists(map: string, v: string, key: string, p: SqlParams): string {
  return `(mapContains(${map}, ${p.add(key, 'String')}) AND notEmpty(${v}))`;
}

function itemsColumn(map: string): string {
  return map.replace(/Attributes$/, 'AttributeItems');
}

function rangeSql(
  expr: string,
  r: { low: string | undefined; high: string | undefined; lowInclusive: boolean; highInclusive: boolean },
  bind: (v: string) => string,
): string {
  const parts: string[] = [];
  if (r.low !== undefined) parts.push(`${expr} ${r.lowInclusive ? '>=' : '>'} ${bind(r.low)}`);
  if (r.high !== undefined) parts.push(`${expr} ${r.highInclusive ? '<=' : '<'} ${bind(r.high)}`);
  if (parts.length === 0) return 'true';
  return parts.length === 1 ? parts[0]! : `(${parts.join(' AND ')})`;
}
