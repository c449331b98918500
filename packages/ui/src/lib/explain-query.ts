import { SearchSyntaxError, explainSearch, parseSearch } from '@spyglass/query';
import type { Signal } from '../api/api-types.ts';

export type Explanation =
  { ok: true; text: string } | { ok: false; message: string; position: number; expected: string };

/**
 * The English reading of a search, or its syntax error with the position, computed in the
 * browser with the same parser the API uses (packages/query), so it updates as the user types.
 */
export function explainQuery(query: string, signal: Signal, language: 'lucene' | 'sql'): Explanation {
  if (language === 'sql') {
    return {
      ok: true,
      text: query.trim() ? `rows where the SQL condition holds: ${query.trim()}` : 'everything',
    };
  }
  try {
    return { ok: true, text: explainSearch(parseSearch(query), signal) };
  } catch (err) {
    if (err instanceof SearchSyntaxError) {
      return { ok: false, message: err.message, position: err.position, expected: err.expected };
    }
    throw err;
  }
}
