import { ClickHouseHttpError, ErrorCode } from './errors.ts';

/**
 * ClickHouse's Native format depends on the client's protocol revision: from
 * revision 1 each block starts with BlockInfo, and from 54454 each column
 * header carries a "custom serialization" flag. A server honours the HTTP
 * parameter `client_protocol_version` (clickhouse-go, and so Grafana's data
 * source, always sends it); the embedded engine can only write revision 0.
 * This rewrites a revision-0 Native stream for the client's revision: it
 * walks each column's data by type (to find where the next column starts) and
 * inserts the missing bytes. The data itself is copied unchanged: the engine
 * never writes custom (sparse) serialization at revision 0, so the flag is 0.
 */
export const MIN_REVISION_WITH_CUSTOM_SERIALIZATION = 54454;
/** BlockInfo { 1: is_overflows = false, 2: bucket_num = -1 } and the end marker 0. */
const BLOCK_INFO = Buffer.from([0x01, 0x00, 0x02, 0xff, 0xff, 0xff, 0xff, 0x00]);

export function upgradeNativeRevision(input: Buffer, revision: number): Buffer {
  if (revision <= 0) return input;
  const out: Buffer[] = [];
  const r = new Cursor(input);
  while (r.pos < input.length) {
    out.push(BLOCK_INFO);
    const start = r.pos;
    const columns = r.varint();
    const rows = r.varint();
    out.push(input.subarray(start, r.pos));
    for (let c = 0; c < columns; c++) {
      const headerStart = r.pos;
      r.skipString(); // name
      const type = r.string();
      out.push(input.subarray(headerStart, r.pos));
      if (revision >= MIN_REVISION_WITH_CUSTOM_SERIALIZATION) out.push(Buffer.from([0]));
      const dataStart = r.pos;
      if (rows > 0) skipColumn(r, parseType(type), rows, true);
      out.push(input.subarray(dataStart, r.pos));
    }
  }
  return Buffer.concat(out);
}

interface TypeNode {
  readonly name: string;
  readonly args: TypeNode[];
  /** Raw text of the arguments (for parameters like FixedString(16) or DateTime64(9, 'UTC')). */
  readonly raw: string;
}

/** Parses a ClickHouse type name into a tree: `Map(LowCardinality(String), String)`. */
export function parseType(text: string): TypeNode {
  let pos = 0;
  const node = (): TypeNode => {
    while (text[pos] === ' ') pos++;
    // Named tuple elements: `name Type`.
    let name = readWord();
    if (text[pos] === ' ' && /[A-Za-z]/.test(text[pos + 1] ?? '')) {
      pos++;
      name = readWord();
    }
    if (text[pos] !== '(') return { name, args: [], raw: '' };
    pos++;
    const argsStart = pos;
    const args: TypeNode[] = [];
    let depth = 0;
    // Parameters of numeric/string kind are kept raw; nested types are parsed.
    if (PARAMETRIC_NESTED.has(name)) {
      for (;;) {
        args.push(node());
        while (text[pos] === ' ') pos++;
        if (text[pos] === ',') pos++;
        else break;
      }
      if (text[pos] !== ')') throw unsupported(text);
      pos++;
      return { name, args, raw: text.slice(argsStart, pos - 1) };
    }
    for (; pos < text.length; pos++) {
      const ch = text[pos];
      if (ch === "'") {
        for (pos++; pos < text.length && text[pos] !== "'"; pos++) if (text[pos] === '\\') pos++;
      } else if (ch === '(') depth++;
      else if (ch === ')') {
        if (depth === 0) break;
        depth--;
      }
    }
    pos++;
    return { name, args, raw: text.slice(argsStart, pos - 1) };
  };
  const readWord = () => {
    const start = pos;
    while (pos < text.length && /[A-Za-z0-9_]/.test(text[pos]!)) pos++;
    return text.slice(start, pos);
  };
  return node();
}

const PARAMETRIC_NESTED = new Set([
  'Nullable',
  'Array',
  'Map',
  'Tuple',
  'LowCardinality',
  'SimpleAggregateFunction',
]);

const FIXED_WIDTH: Record<string, number> = {
  Bool: 1,
  UInt8: 1,
  Int8: 1,
  Enum8: 1,
  UInt16: 2,
  Int16: 2,
  Date: 2,
  Enum16: 2,
  UInt32: 4,
  Int32: 4,
  Float32: 4,
  DateTime: 4,
  Date32: 4,
  IPv4: 4,
  Decimal32: 4,
  BFloat16: 2,
  UInt64: 8,
  Int64: 8,
  Float64: 8,
  DateTime64: 8,
  Decimal64: 8,
  Time: 4,
  Time64: 8,
  IntervalNanosecond: 8,
  IntervalMicrosecond: 8,
  IntervalMillisecond: 8,
  IntervalSecond: 8,
  IntervalMinute: 8,
  IntervalHour: 8,
  IntervalDay: 8,
  IntervalWeek: 8,
  IntervalMonth: 8,
  IntervalQuarter: 8,
  IntervalYear: 8,
  UInt128: 16,
  Int128: 16,
  UUID: 16,
  IPv6: 16,
  Decimal128: 16,
  UInt256: 32,
  Int256: 32,
  Decimal256: 32,
  Nothing: 1,
};

function widthOf(t: TypeNode): number | undefined {
  const fixed = FIXED_WIDTH[t.name];
  if (fixed !== undefined) return fixed;
  if (t.name === 'FixedString') return Number(t.raw);
  if (t.name === 'Decimal') {
    const precision = Number(t.raw.split(',')[0]);
    return precision <= 9 ? 4 : precision <= 18 ? 8 : precision <= 38 ? 16 : 32;
  }
  return undefined;
}

/** Skips `rows` values of type `t` in Native serialization. `prefix` = the column's state prefix is here. */
function skipColumn(r: Cursor, t: TypeNode, rows: number, prefix: boolean): void {
  const width = widthOf(t);
  if (width !== undefined) return r.skip(width * rows);
  switch (t.name) {
    case 'String':
      for (let i = 0; i < rows; i++) r.skipString();
      return;
    case 'Nullable':
      r.skip(rows);
      return skipColumn(r, arg(t, 0), rows, prefix);
    case 'SimpleAggregateFunction':
      return skipColumn(r, arg(t, 1), rows, prefix);
    case 'Array': {
      const total = lastOffset(r, rows);
      return skipColumn(r, arg(t, 0), total, prefix);
    }
    case 'Map': {
      const total = lastOffset(r, rows);
      skipColumn(r, arg(t, 0), total, prefix);
      return skipColumn(r, arg(t, 1), total, prefix);
    }
    case 'Tuple':
      for (const element of t.args) skipColumn(r, element, rows, prefix);
      return;
    case 'LowCardinality':
      return skipLowCardinality(r, arg(t, 0), rows, prefix);
    default:
      throw unsupported(t.name);
  }
}

/** Array offsets are cumulative UInt64s: the last one is the nested row count. */
function lastOffset(r: Cursor, rows: number): number {
  r.skip(8 * (rows - 1));
  return r.uint64();
}

/**
 * LowCardinality in Native: a version (UInt64) as state prefix, then pages of
 * [flags UInt64][keys count UInt64 + keys][rows UInt64 + indexes] until all rows are covered.
 */
function skipLowCardinality(r: Cursor, inner: TypeNode, rows: number, prefix: boolean): void {
  if (prefix) r.skip(8);
  const dictionaryType = inner.name === 'Nullable' ? arg(inner, 0) : inner;
  for (let covered = 0; covered < rows;) {
    const flags = r.uint64();
    const indexWidth = [1, 2, 4, 8][flags & 0xff];
    if (indexWidth === undefined || flags & 0x100)
      throw unsupported('LowCardinality with a global dictionary');
    if (flags & 0x200) skipColumn(r, dictionaryType, r.uint64(), false);
    const pageRows = r.uint64();
    r.skip(indexWidth * pageRows);
    covered += pageRows;
    if (pageRows === 0) break;
  }
}

function arg(t: TypeNode, i: number): TypeNode {
  const a = t.args[i];
  if (!a) throw unsupported(`${t.name}(${t.raw})`);
  return a;
}

function unsupported(type: string): ClickHouseHttpError {
  return new ClickHouseHttpError(
    ErrorCode.NOT_IMPLEMENTED,
    `Native output for client_protocol_version > 0 does not support the type ${type}; ` +
      'cast the column (e.g. toString()) or use another format',
  );
}

class Cursor {
  pos = 0;
  constructor(private readonly buf: Buffer) {}

  varint(): number {
    let result = 0;
    let mul = 1;
    for (;;) {
      const b = this.byte();
      result += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return result;
      mul *= 128;
    }
  }

  uint64(): number {
    this.need(8);
    const v = this.buf.readUInt32LE(this.pos) + this.buf.readUInt32LE(this.pos + 4) * 0x100000000;
    this.pos += 8;
    return v;
  }

  string(): string {
    const len = this.varint();
    this.need(len);
    const s = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    return s;
  }

  skipString(): void {
    this.skip(this.varint());
  }

  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }

  private byte(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) {
      throw new ClickHouseHttpError(
        ErrorCode.CANNOT_READ_ALL_DATA,
        'Unexpected end of the engine Native output',
      );
    }
  }
}
