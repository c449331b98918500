import { isKeyword, isName, isPunct, type Token } from './sql-tokens.ts';

/** `name = value` from a SETTINGS clause; `value` is SQL text (a literal). */
export interface SettingAssignment {
  readonly name: string;
  readonly value: string;
}

/**
 * A canonical statement split into its body and its trailing clauses:
 * `<body> [SETTINGS ...] [FORMAT <name>] [SETTINGS ...]`.
 */
export interface StatementParts {
  readonly body: string;
  readonly format: string | undefined;
  /** The settings of both trailing SETTINGS clauses, in order. */
  readonly settings: readonly SettingAssignment[];
}

/**
 * Splits off the trailing FORMAT and SETTINGS clauses of a canonical statement
 * (the output of formatQuerySingleLine) so they can be put back as one
 * `FORMAT x SETTINGS ...` tail, with more settings added. Only clauses at
 * bracket depth 0 that run to the very end of the statement count; anything
 * else stays in the body untouched.
 */
export function splitStatement(sql: string, tokens: readonly Token[]): StatementParts {
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k] as Token;
    if (t.depth !== 0 || !(isKeyword(t, 'SETTINGS') || isKeyword(t, 'FORMAT'))) continue;
    const tail = parseTail(sql, tokens, k);
    if (tail) return { body: sql.slice(0, t.start).trimEnd(), ...tail };
  }
  return { body: sql.trimEnd(), format: undefined, settings: [] };
}

/** Puts a statement back together: `<body> [FORMAT f] [SETTINGS a = 1, ...]`. */
export function joinStatement(
  body: string,
  format: string | undefined,
  settings: readonly SettingAssignment[],
): string {
  let sql = body;
  if (format !== undefined) sql += ` FORMAT ${format}`;
  if (settings.length > 0)
    sql += ` SETTINGS ${settings.map((s) => `${quoteName(s.name)} = ${s.value}`).join(', ')}`;
  return sql;
}

/** A name as SQL: bare when it is a plain identifier, back-quoted otherwise. */
export function quoteName(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : `\`${name.replace(/[\\`]/g, (c) => `\\${c}`)}\``;
}

/** A string as a SQL string literal. */
export function quoteString(value: string): string {
  return `'${value.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

function parseTail(
  sql: string,
  tokens: readonly Token[],
  from: number,
): { format: string | undefined; settings: SettingAssignment[] } | undefined {
  const settings: SettingAssignment[] = [];
  let format: string | undefined;
  let pos = from;
  if (isKeyword(tokens[pos], 'SETTINGS')) {
    const list = parseSettingsList(sql, tokens, pos + 1);
    if (!list) return undefined;
    settings.push(...list.items);
    pos = list.end;
  }
  if (isKeyword(tokens[pos], 'FORMAT')) {
    const name = tokens[pos + 1];
    if (!isName(name)) return undefined;
    format = name.value;
    pos += 2;
    if (isKeyword(tokens[pos], 'SETTINGS')) {
      const list = parseSettingsList(sql, tokens, pos + 1);
      if (!list) return undefined;
      settings.push(...list.items);
      pos = list.end;
    }
  }
  return pos === tokens.length && pos > from ? { format, settings } : undefined;
}

function parseSettingsList(
  sql: string,
  tokens: readonly Token[],
  from: number,
): { items: SettingAssignment[]; end: number } | undefined {
  const items: SettingAssignment[] = [];
  let pos = from;
  for (;;) {
    const name = tokens[pos];
    if (!isName(name) || !isPunct(tokens[pos + 1], '=')) return undefined;
    const valueEnd = valueEndIndex(tokens, pos + 2);
    if (valueEnd === undefined) return undefined;
    const first = tokens[pos + 2] as Token;
    const last = tokens[valueEnd - 1] as Token;
    items.push({ name: name.value, value: sql.slice(first.start, last.end) });
    pos = valueEnd;
    if (!isPunct(tokens[pos], ',')) return { items, end: pos };
    pos++;
  }
}

/** A setting value: an optional sign and one literal token, or one bracketed group. */
function valueEndIndex(tokens: readonly Token[], from: number): number | undefined {
  let pos = from;
  if (isPunct(tokens[pos], '-') || isPunct(tokens[pos], '+')) pos++;
  const t = tokens[pos];
  if (t === undefined) return undefined;
  if (t.kind === 'punct') {
    if (!['(', '[', '{'].includes(t.text)) return undefined;
    for (let i = pos + 1; i < tokens.length; i++) {
      if ((tokens[i] as Token).depth === t.depth) return i + 1;
    }
    return undefined;
  }
  return pos + 1;
}
