/**
 * What the search bar can complete at the cursor: a field name, or a value of a
 * field (after `field:`). Works on the raw text, so it also helps while the query
 * does not parse yet.
 */
export type CompletionContext =
  | { kind: 'field'; prefix: string; from: number; to: number; negated: boolean }
  | { kind: 'value'; field: string; prefix: string; from: number; to: number; negated: boolean };

const BREAK = /[\s()]/;

/** The token around `cursor` (quotes kept together) and what it asks for; undefined inside a phrase. */
export function completionContext(text: string, cursor: number): CompletionContext | undefined {
  // Walk from the start so that quoted spans (which may hold spaces) are skipped correctly.
  let start = 0;
  let inQuote = false;
  for (let i = 0; i < cursor; i++) {
    const c = text[i]!;
    if (c === '\\' && inQuote) {
      i++;
      continue;
    }
    if (c === '"') inQuote = !inQuote;
    else if (!inQuote && BREAK.test(c)) start = i + 1;
  }
  let end = cursor;
  let q = inQuote;
  while (end < text.length) {
    const c = text[end]!;
    if (c === '"') q = !q;
    else if (!q && BREAK.test(c)) break;
    end++;
  }
  let token = text.slice(start, cursor);
  let from = start;
  let negated = false;
  if (token.startsWith('-')) {
    negated = true;
    token = token.slice(1);
    from++;
  }
  const colon = token.indexOf(':');
  if (colon < 0) {
    if (inQuote) return undefined; // a bare phrase
    if (/^(AND|OR|NOT)$/i.test(token)) return undefined;
    return { kind: 'field', prefix: token, from, to: end, negated };
  }
  const field = token.slice(0, colon);
  if (!field) return undefined;
  const prefix = token
    .slice(colon + 1)
    .replace(/^[<>]=?/, '')
    .replace(/^"/, '')
    .replace(/\\(.)/g, '$1');
  return { kind: 'value', field, prefix, from, to: end, negated };
}

/** The text after choosing a suggestion, and where the cursor goes. */
export function applyCompletion(
  text: string,
  ctx: CompletionContext,
  choice: string,
): { text: string; cursor: number } {
  const insert = ctx.kind === 'field' ? `${choice}:` : `${ctx.field}:${quoteValue(choice)} `;
  const next =
    text.slice(0, ctx.from) + insert + text.slice(ctx.to).replace(/^ /, ctx.kind === 'value' ? '' : ' ');
  return { text: next, cursor: ctx.from + insert.length };
}

/** A picked value as an exact match (`field:"value"`), quotes and backslashes escaped. */
export function quoteValue(value: string): string {
  return `"${value.replace(/["\\]/g, (c) => '\\' + c)}"`;
}

/** Adds `field:"value"` (or its negation) to a query, AND-ed with what is there. */
export function addFilter(query: string, field: string, value: string, negate = false): string {
  const term = `${negate ? '-' : ''}${field}:${quoteValue(value)}`;
  const trimmed = query.trim();
  if (!trimmed) return term;
  return /\bOR\b|\|\|/.test(trimmed) ? `(${trimmed}) ${term}` : `${trimmed} ${term}`;
}

/** Suggestions whose name contains the prefix, those that start with it first. */
export function rankSuggestions(candidates: readonly string[], prefix: string, limit = 12): string[] {
  const p = prefix.toLowerCase();
  const starts: string[] = [];
  const contains: string[] = [];
  for (const c of candidates) {
    const l = c.toLowerCase();
    if (l === p) continue;
    if (l.startsWith(p)) starts.push(c);
    else if (p && l.includes(p)) contains.push(c);
  }
  return [...starts, ...contains].slice(0, limit);
}
