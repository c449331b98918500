/** Typed query parameters collected while rendering: user input never enters SQL text. */
export class SqlParams {
  readonly values: Record<string, string | number> = {};
  private n = 0;

  /** Adds a value and returns its placeholder, e.g. `{p0:String}`. */
  add(value: string | number, type: 'String' | 'Float64'): string {
    const name = `p${this.n++}`;
    this.values[name] = value;
    return `{${name}:${type}}`;
  }
}

/** Escapes LIKE metacharacters so that user text matches literally. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => '\\' + c);
}

/** ClickHouse's token split (hasToken): every ASCII character that is not a letter or digit separates. */
export function splitTokens(text: string): string[] {
  return text.split(/[\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]+/).filter((t) => t !== '');
}
