/**
 * Reads ClickHouse RowBinary back into JS values, driven by the column types,
 * so tests can check what the mappers wrote. Independent of the product writer:
 * written from ClickHouse's format documentation.
 *
 * Values: String -> string; DateTime64(9) -> "seconds.nanoseconds" (exact);
 * DateTime -> Unix seconds; integers -> number (bigint beyond 2^53); Float64 ->
 * number; Bool -> boolean; Map -> object; Array -> array.
 */
export type RowValue = string | number | bigint | boolean | RowValue[] | { [key: string]: RowValue };
export type Row = Record<string, RowValue>;

export class RowBinaryFormatError extends Error {
  override readonly name = 'RowBinaryFormatError';
}

export function readRowBinary(body: Uint8Array, columns: ReadonlyArray<readonly [string, string]>, count: number): Row[] {
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  let pos = 0;
  const need = (n: number) => {
    if (pos + n > buf.length) throw new RowBinaryFormatError(`truncated at byte ${pos}: need ${n} more bytes`);
  };
  const varint = (): number => {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      need(1);
      const b = buf[pos++]!;
      result += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return result;
      mul *= 128;
    }
    throw new RowBinaryFormatError(`varint too long at byte ${pos}`);
  };
  const safe = (v: bigint): number | bigint => (v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);

  const readers = new Map<string, () => RowValue>();
  const reader = (type: string): (() => RowValue) => {
    const cached = readers.get(type);
    if (cached) return cached;
    let read: () => RowValue;
    const lc = /^LowCardinality\((.*)\)$/.exec(type);
    const arr = /^Array\((.*)\)$/.exec(type);
    const map = /^Map\((LowCardinality\(String\)|String), (.*)\)$/.exec(type);
    if (lc) read = reader(lc[1]!);
    else if (arr) {
      const item = reader(arr[1]!);
      read = () => {
        const n = varint();
        const out: RowValue[] = [];
        for (let i = 0; i < n; i++) out.push(item());
        return out;
      };
    } else if (map) {
      const key = reader(map[1]!);
      const value = reader(map[2]!);
      read = () => {
        const n = varint();
        const out: { [key: string]: RowValue } = {};
        for (let i = 0; i < n; i++) {
          const k = key() as string;
          out[k] = value();
        }
        return out;
      };
    } else {
      switch (type) {
        case 'String':
          read = () => {
            const n = varint();
            need(n);
            const s = buf.toString('utf8', pos, pos + n);
            pos += n;
            return s;
          };
          break;
        case 'UInt8':
          read = () => (need(1), buf[pos++]!);
          break;
        case 'Bool':
          read = () => {
            need(1);
            const b = buf[pos++]!;
            if (b > 1) throw new RowBinaryFormatError(`Bool byte ${b} at ${pos - 1}`);
            return b === 1;
          };
          break;
        case 'UInt32':
        case 'DateTime':
          read = () => {
            need(4);
            const v = buf.readUInt32LE(pos);
            pos += 4;
            return v;
          };
          break;
        case 'Int32':
          read = () => {
            need(4);
            const v = buf.readInt32LE(pos);
            pos += 4;
            return v;
          };
          break;
        case 'UInt64':
          read = () => {
            need(8);
            const v = buf.readBigUInt64LE(pos);
            pos += 8;
            return safe(v);
          };
          break;
        case 'Int64':
          read = () => {
            need(8);
            const v = buf.readBigInt64LE(pos);
            pos += 8;
            return safe(v);
          };
          break;
        case 'Float64':
          read = () => {
            need(8);
            const v = buf.readDoubleLE(pos);
            pos += 8;
            return v;
          };
          break;
        case 'DateTime64(9)':
          read = () => {
            need(8);
            const ns = buf.readBigInt64LE(pos);
            pos += 8;
            const negative = ns < 0n;
            const abs = negative ? -ns : ns;
            return `${negative ? '-' : ''}${abs / 1_000_000_000n}.${(abs % 1_000_000_000n).toString().padStart(9, '0')}`;
          };
          break;
        default:
          throw new Error(`RowBinary reader: unsupported type ${type}`);
      }
    }
    readers.set(type, read);
    return read;
  };

  const columnReaders = columns.map(([name, type]) => [name, reader(type)] as const);
  const rows: Row[] = [];
  for (let i = 0; i < count; i++) {
    const row: Row = {};
    for (const [name, read] of columnReaders) row[name] = read();
    rows.push(row);
  }
  if (pos !== buf.length) throw new RowBinaryFormatError(`${buf.length - pos} bytes left after ${count} rows`);
  return rows;
}
