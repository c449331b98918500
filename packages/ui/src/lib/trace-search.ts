import type { TraceTree } from './trace-tree.ts';
import { textOf } from './trace-values.ts';

/**
 * Search within one trace: a case-insensitive substring of a span's name, service, ids,
 * status message, attribute keys and values (span and resource), or event names and
 * attributes (exception messages). Each span's text is built once, on the first search.
 */
export function createTraceSearch(tree: TraceTree): (query: string) => number[] {
  let texts: string[] | undefined;
  return (query) => {
    const needle = query.trim().toLowerCase();
    if (!needle) return [];
    texts ??= tree.spans.map((span) => searchText(span.row, span.name, span.service, span.spanId));
    const out: number[] = [];
    for (let i = 0; i < texts.length; i++) if (texts[i]!.includes(needle)) out.push(i);
    return out;
  };
}

function searchText(row: Record<string, unknown>, ...fields: string[]): string {
  const parts = [...fields, textOf(row['StatusMessage'])];
  const addMap = (map: unknown) => {
    if (!map || typeof map !== 'object') return;
    for (const [k, v] of Object.entries(map)) parts.push(`${k}=${String(v)}`);
  };
  addMap(row['SpanAttributes']);
  addMap(row['ResourceAttributes']);
  const names = row['Events.Name'];
  if (Array.isArray(names)) parts.push(...names.map(String));
  const attributes = row['Events.Attributes'];
  if (Array.isArray(attributes)) attributes.forEach(addMap);
  // A separator no query contains, so that a match never spans two fields.
  return parts.join('\u0000').toLowerCase();
}
