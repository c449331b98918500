import { isUtf8 } from 'node:buffer';
import type { RowBinaryWriter } from '../rows/row-binary-writer.ts';
import { formatDouble } from '../rows/value-format.ts';

/**
 * The fast path for one KeyValue, as a Map entry (key String, value text
 * String). It takes the form that SDKs and Collectors send for nearly every
 * attribute, exactly:
 *
 *   KeyValue { 1: key, 2: AnyValue { one of: 1: string | 2: bool | 3: int < 2^49 | 4: double } }
 *
 * (a KeyValue without a value, or with an empty AnyValue, also qualifies)
 * and writes it straight from the wire bytes. Any other form, however legal,
 * returns false with nothing written, and the caller takes its general path,
 * so this path only has to be right on the inputs it accepts: on them, no
 * path throws, and the bytes are those of the general path.
 *
 * With `strict`, it also refuses what a decode to JS strings would change:
 * strings that are not valid UTF-8 (decoded with U+FFFD) and length prefixes
 * that are not minimal (re-encoded minimally). Without it, strings are copied
 * as they are on the wire, as the span transcoder has always done.
 *
 * Returns where the value text starts in the writer, or -1 when the KeyValue is not plain.
 */
export function writePlainKeyValue(
  w: RowBinaryWriter,
  buf: Buffer,
  start: number,
  end: number,
  strict: boolean,
): number {
  const valueText = writeShortKeyValue(w, buf, start, end, strict);
  return valueText >= 0 ? valueText : writeOtherPlainKeyValue(w, buf, start, end, strict);
}

/**
 * The commonest KeyValues, checked and copied in one go: a key below 128
 * bytes with a string value below 126 bytes, or with an int, laid out as
 *   0a <key length> <key> 12 <value length> 0a <string length> <string>
 *   0a <key length> <key> 12 <value length> 18 <varint of 1 to 7 bytes>
 * (with `strict`, ASCII strings only). Returns where the value text starts, or -1.
 */
function writeShortKeyValue(
  w: RowBinaryWriter,
  buf: Buffer,
  start: number,
  end: number,
  strict: boolean,
): number {
  if (end - start < 5 || buf[start] !== 0x0a) return -1;
  const keyLength = buf[start + 1]!;
  const keyEnd = start + 2 + keyLength;
  if (keyLength >= 0x80 || keyEnd + 3 > end || buf[keyEnd] !== 0x12) return -1;
  const valueLength = buf[keyEnd + 1]!;
  if (valueLength >= 0x80 || keyEnd + 2 + valueLength !== end) return -1;
  if (strict && !isAscii(buf, start + 2, keyEnd)) return -1;
  const valueTag = buf[keyEnd + 2];
  if (valueTag === 0x0a) {
    if (buf[keyEnd + 3] !== valueLength - 2 || (strict && !isAscii(buf, keyEnd + 4, end))) return -1;
    w.copyPair(buf, start + 1, keyEnd, keyEnd + 3, end);
    return w.pos - (end - keyEnd - 3);
  }
  if (valueTag === 0x18) {
    const value = plainVarint(buf, keyEnd + 3, end);
    if (value < 0) return -1;
    w.copy(buf, start + 1, keyEnd);
    const valueText = w.pos;
    w.decimalString(value);
    return valueText;
  }
  return -1;
}

/**
 * The varint filling `buf[start, end)` exactly, of 1 to 7 bytes (so below
 * 2^49: exact, and the same text signed or not), or -1.
 */
function plainVarint(buf: Buffer, start: number, end: number): number {
  const n = end - start;
  if (n < 1 || n > 7) return -1;
  let value = 0;
  let scale = 1;
  for (let i = start; i < end - 1; i++) {
    const b = buf[i]!;
    if (b < 0x80) return -1;
    value += (b & 0x7f) * scale;
    scale *= 128;
  }
  const last = buf[end - 1]!;
  return last < 0x80 ? value + last * scale : -1;
}

/** True when `buf[start, end)` is ASCII (then its UTF-8 decoding changes nothing). */
export function isAscii(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i]! >= 0x80) return false;
  return true;
}

/** The other plain forms (see writePlainKeyValue). */
function writeOtherPlainKeyValue(
  w: RowBinaryWriter,
  buf: Buffer,
  start: number,
  end: number,
  strict: boolean,
): number {
  if (start === end) {
    // An empty KeyValue: key "" and value "".
    w.ensure(2);
    w.buf[w.pos++] = 0;
    w.buf[w.pos++] = 0;
    return w.pos - 1;
  }
  if (buf[start] !== 0x0a) return -1;
  const keyEnd = stringEnd(buf, start + 1, end, strict);
  if (keyEnd < 0) return -1;
  if (keyEnd === end) {
    w.copy(buf, start + 1, keyEnd);
    w.uint8(0); // no value: ""
    return w.pos - 1;
  }
  if (buf[keyEnd] !== 0x12) return -1;
  const valueStart = lengthEnd(buf, keyEnd + 1, end, strict);
  if (valueStart < 0 || valueStart + lengthValue !== end) return -1;
  const rollback = w.pos;
  w.copy(buf, start + 1, keyEnd);
  const valueText = w.pos;
  if (writePlainValue(w, buf, valueStart, end, strict)) return valueText;
  w.pos = rollback;
  return -1;
}

/** The AnyValue [start, end) as text; false (with nothing written) when it is not plain. */
function writePlainValue(
  w: RowBinaryWriter,
  buf: Buffer,
  start: number,
  end: number,
  strict: boolean,
): boolean {
  if (start === end) {
    w.uint8(0); // an empty AnyValue: ""
    return true;
  }
  switch (buf[start]) {
    case 0x0a: {
      // string_value: copied with its length prefix
      if (stringEnd(buf, start + 1, end, strict) !== end) return false;
      w.copy(buf, start + 1, end);
      return true;
    }
    case 0x18: {
      // int_value: a varint of 1 to 7 bytes ending exactly at `end`
      const value = plainVarint(buf, start + 1, end);
      if (value < 0) return false;
      w.decimalString(value);
      return true;
    }
    case 0x10: {
      // bool_value: one varint byte
      if (end - start !== 2 || buf[start + 1]! >= 0x80) return false;
      w.raw(buf[start + 1] ? TRUE : FALSE);
      return true;
    }
    case 0x21: {
      // double_value: fixed64
      if (end - start !== 9) return false;
      w.string(formatDouble(buf.readDoubleLE(start + 1)));
      return true;
    }
    default:
      return false;
  }
}

const TRUE = Buffer.from([4, ...Buffer.from('true')]);
const FALSE = Buffer.from([5, ...Buffer.from('false')]);

/** The value of the last varint read by `lengthEnd`. */
let lengthValue = 0;

/**
 * Reads a length varint of at most 4 bytes at `pos` (below `limit`) into
 * `lengthValue` and returns where it ends, or -1 (longer, truncated, or with
 * `strict` not minimal).
 */
function lengthEnd(buf: Buffer, pos: number, limit: number, strict: boolean): number {
  if (pos < limit && buf[pos]! < 0x80) {
    lengthValue = buf[pos]!;
    return pos + 1;
  }
  let value = 0;
  for (let i = 0; i < 4; i++) {
    if (pos + i >= limit) return -1;
    const b = buf[pos + i]!;
    value |= (b & 0x7f) << (7 * i);
    if (b < 0x80) {
      if (strict && b === 0 && i > 0) return -1;
      lengthValue = value;
      return pos + i + 1;
    }
  }
  return -1;
}

/**
 * The end of the string whose length varint is at `pos`, or -1 when it runs
 * past `limit` or is not plain (see `writePlainKeyValue` for `strict`).
 */
function stringEnd(buf: Buffer, pos: number, limit: number, strict: boolean): number {
  const start = lengthEnd(buf, pos, limit, strict);
  if (start < 0) return -1;
  const end = start + lengthValue;
  if (end > limit) return -1;
  if (strict) {
    for (let i = start; i < end; i++) {
      if (buf[i]! >= 0x80) return isUtf8(buf.subarray(start, end)) ? end : -1;
    }
  }
  return end;
}
