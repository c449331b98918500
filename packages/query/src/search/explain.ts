import type { MatchNode, SearchNode } from './ast.ts';
import {
  SCHEMAS,
  defaultAttributeMapResolver,
  resolveField,
  type AttributeMapResolver,
  type Signal,
} from './fields.ts';

/**
 * An English explanation of a search, shown under the search bar, e.g.
 * "SpanAttributes['http.route'] contains /api and duration is greater than 250 ms".
 */
export function explainSearch(
  node: SearchNode | undefined,
  signal: Signal,
  resolver: AttributeMapResolver = defaultAttributeMapResolver,
): string {
  if (!node) return 'everything';
  return explain(node, signal, resolver, false);
}

function explain(node: SearchNode, signal: Signal, resolver: AttributeMapResolver, nested: boolean): string {
  switch (node.kind) {
    case 'and':
      return node.children.map((c) => explain(c, signal, resolver, true)).join(' and ');
    case 'or': {
      const text = node.children.map((c) => explain(c, signal, resolver, true)).join(' or ');
      return nested ? `(${text})` : text;
    }
    case 'not': {
      const inner = explain(node.child, signal, resolver, true);
      return node.child.kind === 'match'
        ? `not (${inner})`
        : `not ${inner.startsWith('(') ? inner : `(${inner})`}`;
    }
    case 'match':
      return explainMatch(node, signal, resolver);
  }
}

function explainMatch(node: MatchNode, signal: Signal, resolver: AttributeMapResolver): string {
  const schema = SCHEMAS[signal];
  const v = node.value;
  if (node.field === undefined) {
    const column = schema.textColumn;
    switch (v.type) {
      case 'term':
        return `${column} has the word ${v.text}`;
      case 'phrase':
        return `${column} contains "${v.text}"`;
      case 'wildcard':
        return v.text === '' ? 'everything' : `${column} ${wildcardVerb(v.leading, v.trailing)} ${v.text}`;
      default:
        return 'everything';
    }
  }
  const f = resolveField(schema, node.field, resolver);
  const isDuration = f.kind === 'column' && f.column === 'Duration' && f.label === 'duration';
  const label = isDuration ? 'duration' : f.label;
  const unit = isDuration ? ' ms' : '';
  switch (v.type) {
    case 'term':
      return f.kind === 'column' && f.type === 'number'
        ? `${label} is ${v.text}${unit}`
        : `${label} contains ${v.text}`;
    case 'phrase':
      return `${label} is "${v.text}"`;
    case 'wildcard':
      return v.text === '' ? `${label} exists` : `${label} ${wildcardVerb(v.leading, v.trailing)} ${v.text}`;
    case 'exists':
      return `${label} exists`;
    case 'compare':
      return `${label} is ${COMPARISONS[v.op]} ${v.text}${unit}`;
    case 'range': {
      const parts: string[] = [];
      if (v.low !== undefined) parts.push(`${v.lowInclusive ? 'at least' : 'greater than'} ${v.low}${unit}`);
      if (v.high !== undefined) parts.push(`${v.highInclusive ? 'at most' : 'less than'} ${v.high}${unit}`);
      return parts.length ? `${label} is ${parts.join(' and ')}` : `${label} is anything`;
    }
  }
}

const COMPARISONS = { '>': 'greater than', '>=': 'at least', '<': 'less than', '<=': 'at most' } as const;

function wildcardVerb(leading: boolean, trailing: boolean): string {
  if (leading && trailing) return 'contains';
  return leading ? 'ends with' : 'starts with';
}
