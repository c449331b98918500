/**
 * A syntax error in a search, with where it is and what was expected there,
 * e.g. "line 1, col 14: expected a value after ':'".
 */
export class SearchSyntaxError extends Error {
  override readonly name = 'SearchSyntaxError';
  readonly line: number;
  readonly column: number;

  constructor(
    readonly query: string,
    /** Offset in the query (0-based). */
    readonly position: number,
    readonly expected: string,
  ) {
    const before = query.slice(0, position);
    const line = before.split('\n').length;
    const column = position - (before.lastIndexOf('\n') + 1) + 1;
    super(`line ${line}, col ${column}: ${expected}`);
    this.line = line;
    this.column = column;
  }
}
