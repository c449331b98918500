import { decodeEscape, isName, isPunct, type Token } from './sql-tokens.ts';

/**
 * Query parameters arrive as ClickHouse's HTTP interface defines them:
 * `param_<name>=<value>` where the value is the text form of the placeholder's
 * type, in TSV "escaped" style for strings (`it\'s`, `a\tb`) and in quoted
 * style for arrays, maps and tuples (`['a','it\'s']`).
 *
 * chDB's binding takes a JS string and TSV-escapes it before handing it to the
 * engine, which un-escapes it for scalar types but parses composite types
 * verbatim. So the raw HTTP value cannot be passed as is; it is converted here
 * to the string that comes out right after chDB's escaping.
 */

/** `{name:Type}` placeholders of a statement: name -> type text (first occurrence wins). */
export function placeholderTypes(sql: string, tokens: readonly Token[]): Map<string, string> {
  const types = new Map<string, string>();
  for (let i = 0; i + 3 < tokens.length; i++) {
    const open = tokens[i] as Token;
    if (!isPunct(open, '{') || !isName(tokens[i + 1]) || !isPunct(tokens[i + 2], ':')) continue;
    const close = tokens.findIndex((t, j) => j > i + 2 && isPunct(t, '}') && t.depth === open.depth);
    if (close === -1) continue;
    const name = (tokens[i + 1] as Token).value;
    const typeText = sql.slice((tokens[i + 3] as Token).start, (tokens[close] as Token).start).trim();
    if (!types.has(name)) types.set(name, typeText);
  }
  return types;
}

/** The value to give chDB's binding for the raw HTTP value of a placeholder of type `type`. */
export function toEngineParamValue(raw: string, type: string | undefined): string | null {
  const t = (type ?? '').trim();
  let base = t;
  for (
    let m = /^(?:Nullable|LowCardinality)\s*\((.*)\)$/s.exec(base);
    m;
    m = /^(?:Nullable|LowCardinality)\s*\((.*)\)$/s.exec(base)
  ) {
    base = (m[1] as string).trim();
  }
  if (raw === '\\N' && /^(?:LowCardinality\s*\(\s*)?Nullable\s*\(/.test(t)) return null;
  if (/^Identifier$/i.test(base)) return raw;
  if (/^(?:Array|Map|Tuple|Nested)\s*\(/i.test(base)) return requoteComposite(raw);
  return unescapeTsv(raw);
}

/** Decodes TSV escape sequences (`\t`, `\\`, `\'`, ...). */
export function unescapeTsv(raw: string): string {
  if (!raw.includes('\\')) return raw;
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as string;
    if (c === '\\' && i + 1 < raw.length) {
      const escape = decodeEscape(raw, i + 1);
      out += escape.char;
      i += escape.length;
    } else {
      out += c;
    }
  }
  return out;
}

/**
 * Rewrites the quoted strings of a composite literal without backslash escapes
 * (a quote becomes `''`, every other character stays raw): chDB then escapes
 * backslashes and control characters, which the engine's quoted-string reader
 * decodes back to the same characters.
 */
function requoteComposite(raw: string): string {
  let out = '';
  let i = 0;
  while (i < raw.length) {
    const c = raw[i] as string;
    if (c !== "'") {
      out += c;
      i++;
      continue;
    }
    let value = '';
    let j = i + 1;
    let closed = false;
    while (j < raw.length) {
      const d = raw[j] as string;
      if (d === '\\' && j + 1 < raw.length) {
        const escape = decodeEscape(raw, j + 1);
        value += escape.char;
        j += 1 + escape.length;
      } else if (d === "'" && raw[j + 1] === "'") {
        value += "'";
        j += 2;
      } else if (d === "'") {
        closed = true;
        j++;
        break;
      } else {
        value += d;
        j++;
      }
    }
    if (!closed) return out + raw.slice(i);
    out += `'${value.replace(/'/g, "''")}'`;
    i = j;
  }
  return out;
}
