import { WIRE_LEN, expectWire, type ProtoReader } from '../wire/proto-reader.ts';
import type { RowBinaryWriter } from '../rows/row-binary-writer.ts';
import { anyValueToString } from '../rows/value-format.ts';
import { decodeAnyValue } from './decode-common.ts';
import { writePlainKeyValue } from './plain-key-value.ts';
import { endMessage, nextTag } from './wire-ranges.ts';

/**
 * A Map(LowCardinality(String), String) from the KeyValue payload ranges
 * `ranges[from, to)` (pairs of numbers): the count, then each entry. String
 * values are copied from the wire; other values are rendered as text.
 */
export function writeAttributeMap(
  w: RowBinaryWriter,
  r: ProtoReader,
  ranges: Int32Array,
  from: number,
  to: number,
): void {
  w.varint((to - from) / 2);
  const buf = r.buf;
  for (let i = from; i < to; i += 2) {
    const start = ranges[i]!;
    const end = ranges[i + 1]!;
    if (writePlainKeyValue(w, buf, start, end, false) < 0) writeKeyValue(w, r, start, end);
  }
}

/*
 * The general path for a KeyValue that is not in plain form (see
 * plain-key-value.ts): the last key and the last value win; other fields are
 * skipped; values are parsed only as far as their text needs.
 */

let keyStart = 0;
let keyEnd = 0;
let valueStart = 0;
let valueEnd = 0;

function writeKeyValue(w: RowBinaryWriter, r: ProtoReader, start: number, end: number): void {
  const saved = r.pos;
  const outer = r.end;
  r.pos = start;
  r.end = end;
  keyStart = keyEnd = valueStart = valueEnd = 0;
  while (r.pos < end) {
    const tag = nextTag(r);
    const field = tag >>> 3;
    if (field === 1) {
      expectWire(tag & 7, WIRE_LEN, 'KeyValue.key');
      keyStart = r.pos;
      keyEnd = r.pos = r.lenEnd();
    } else if (field === 2) {
      expectWire(tag & 7, WIRE_LEN, 'KeyValue.value');
      const e = r.lenEnd();
      valueStart = r.pos;
      valueEnd = r.pos = e;
    } else r.skip(tag & 7);
  }
  endMessage(r, end, end);
  if (keyEnd === 0) w.uint8(0);
  else w.copy(r.buf, keyStart, keyEnd);
  writeAnyValueText(w, r, valueStart, valueEnd);
  r.pos = saved;
  r.end = outer;
}

let stringStart = 0;
let stringEnd = 0;

/** An AnyValue as attribute text; the common string case is a copy. */
function writeAnyValueText(w: RowBinaryWriter, r: ProtoReader, start: number, end: number): void {
  if (end <= start) {
    w.uint8(0);
    return;
  }
  let last = 0;
  let scalarPos = 0;
  r.pos = start;
  const outer = r.end;
  r.end = end;
  while (r.pos < end) {
    const tag = nextTag(r);
    const field = tag >>> 3;
    if (field >= 1 && field <= 7) last = field;
    if (field === 1) {
      expectWire(tag & 7, WIRE_LEN, 'AnyValue.string_value');
      stringStart = r.pos;
      stringEnd = r.pos = r.lenEnd();
    } else {
      scalarPos = r.pos;
      r.skip(tag & 7);
    }
  }
  endMessage(r, end, outer);
  if (last === 1) {
    w.copy(r.buf, stringStart, stringEnd);
    return;
  }
  if (last === 0) {
    w.uint8(0);
    return;
  }
  // Common scalars without the general decoder: ints that fit a double exactly, booleans.
  if (last === 3 && r.buf[scalarPos - 1] === 0x18 && r.buf[end - 1]! < 0x80 && end - scalarPos <= 7) {
    r.pos = scalarPos;
    w.decimalString(r.varintNumber());
    return;
  }
  if (last === 2 && r.buf[scalarPos - 1] === 0x10 && end - scalarPos === 1) {
    w.string(r.buf[scalarPos] ? 'true' : 'false');
    return;
  }
  r.pos = start;
  w.string(anyValueToString(decodeAnyValue(r, end)));
}
