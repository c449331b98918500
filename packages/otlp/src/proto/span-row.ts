import type { ProtoReader } from '../wire/proto-reader.ts';
import { RowBinaryWriter } from '../rows/row-binary-writer.ts';
import type { TableRowsBuilder } from '../rows/table-rows.ts';
import { writeAttributeMap } from './attribute-map.ts';
import { EventFields, type LinkFields } from './event-link-fields.ts';
import type { ResourceScopeFragment } from './resource-scope-fragment.ts';
import type { SpanFields } from './span-fields.ts';
import type { RangeList } from './wire-ranges.ts';

/** The SpanKind and StatusCode names as RowBinary Strings, encoded once into one writer (copied from it by words). */
const NAMES = new RowBinaryWriter(128);
const encodeNames = (names: string[]) =>
  names.map((name) => {
    const start = NAMES.pos;
    NAMES.string(name);
    return [start, NAMES.pos] as const;
  });
const SPAN_KIND = encodeNames(['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer']);
const STATUS_CODE = encodeNames(['Unset', 'Ok', 'Error']);

/** names[index], or names[0] (Unspecified, Unset) for values outside the enum. */
function writeName(w: RowBinaryWriter, names: ReadonlyArray<readonly [number, number]>, index: number): void {
  const range = names[index] ?? names[0]!;
  w.copyOf(NAMES, range[0], range[1]);
}

/** The events of the span being written (module scratch: transcoding is synchronous). */
const events = new EventFields();

/**
 * Appends the otel_traces row of a scanned, valid span (columns in
 * TRACES_COLUMNS order), as mapTraces would write it. `problem` must have
 * been called on `s` (it parses the links).
 */
export function writeSpanRow(
  rows: TableRowsBuilder,
  r: ProtoReader,
  s: SpanFields,
  fragment: ResourceScopeFragment,
): void {
  const w = rows.w;
  const buf = r.buf;
  writeTime(w, buf, s.startPos);
  w.hexString(buf, s.traceIdStart, s.traceIdEnd);
  w.hexString(buf, s.spanIdStart, s.spanIdEnd);
  w.hexString(buf, s.parentStart, s.parentEnd);
  writeStringRange(w, buf, s.traceStateStart, s.traceStateEnd);
  writeStringRange(w, buf, s.nameStart, s.nameEnd);
  writeName(w, SPAN_KIND, s.kind);
  w.copyOf(fragment.out, 0, fragment.out.pos); // ServiceName, ResourceAttributes, ScopeName, ScopeVersion
  writeAttributeMap(w, r, s.attributes.data, 0, s.attributes.length);
  writeDuration(w, buf, s.startPos, s.endPos);
  writeName(w, STATUS_CODE, s.statusCode);
  writeStringRange(w, buf, s.statusMessageStart, s.statusMessageEnd);
  // Events and Links are Nested columns (an Array per field); most spans have neither.
  if (s.events.length === 0) w.zeros(3);
  else writeEvents(w, r, s.events);
  if (s.links.length === 0) w.zeros(4);
  else writeLinks(w, r, s.linkFields);
  rows.count++;
}

/** A DateTime64(9) from the fixed64 at `pos` (little-endian nanoseconds, the same bytes), or 0 when absent (-1). */
function writeTime(w: RowBinaryWriter, buf: Buffer, pos: number): void {
  if (pos < 0) w.zeros(8);
  else w.copy(buf, pos, pos + 8);
}

/** end - start in nanoseconds as UInt64 (0 when end is not after start), in 32-bit halves. */
function writeDuration(w: RowBinaryWriter, buf: Buffer, startPos: number, endPos: number): void {
  const sLo = startPos < 0 ? 0 : uint32At(buf, startPos);
  const sHi = startPos < 0 ? 0 : uint32At(buf, startPos + 4);
  const eLo = endPos < 0 ? 0 : uint32At(buf, endPos);
  const eHi = endPos < 0 ? 0 : uint32At(buf, endPos + 4);
  if (eHi < sHi || (eHi === sHi && eLo <= sLo)) {
    w.zeros(8);
    return;
  }
  let lo = eLo - sLo;
  let hi = eHi - sHi;
  if (lo < 0) {
    lo += 0x100000000;
    hi -= 1;
  }
  w.uint32(lo);
  w.uint32(hi);
}

function uint32At(buf: Buffer, pos: number): number {
  return (buf[pos]! | (buf[pos + 1]! << 8) | (buf[pos + 2]! << 16)) + buf[pos + 3]! * 0x1000000;
}

/** A string range [start of its length varint, end) as a String; "" when absent (end 0). */
function writeStringRange(w: RowBinaryWriter, buf: Buffer, start: number, end: number): void {
  if (end === 0) w.uint8(0);
  else w.copy(buf, start, end);
}

/** Events.Timestamp, Events.Name, Events.Attributes. */
function writeEvents(w: RowBinaryWriter, r: ProtoReader, ranges: RangeList): void {
  events.clear();
  for (let i = 0; i < ranges.length; i += 2) events.parse(r, ranges.data[i]!, ranges.data[i + 1]!);
  const n = events.count;
  const buf = r.buf;
  w.varint(n);
  for (let i = 0; i < 2 * n; i += 2) writeTime(w, buf, events.times.data[i]!);
  w.varint(n);
  for (let i = 0; i < 2 * n; i += 2)
    writeStringRange(w, buf, events.names.data[i]!, events.names.data[i + 1]!);
  w.varint(n);
  const spans = events.attributeSpans.data;
  for (let i = 0; i < 2 * n; i += 2)
    writeAttributeMap(w, r, events.attributes.data, spans[i]!, spans[i + 1]!);
}

/** Links.TraceId, Links.SpanId, Links.TraceState, Links.Attributes. */
function writeLinks(w: RowBinaryWriter, r: ProtoReader, links: LinkFields): void {
  const n = links.count;
  const buf = r.buf;
  const ids = links.ids.data;
  w.varint(n);
  for (let i = 0; i < 4 * n; i += 4) w.hexString(buf, ids[i]!, ids[i + 1]!);
  w.varint(n);
  for (let i = 0; i < 4 * n; i += 4) w.hexString(buf, ids[i + 2]!, ids[i + 3]!);
  w.varint(n);
  const states = links.traceStates.data;
  for (let i = 0; i < 2 * n; i += 2) writeStringRange(w, buf, states[i]!, states[i + 1]!);
  w.varint(n);
  const spans = links.attributeSpans.data;
  for (let i = 0; i < 2 * n; i += 2) writeAttributeMap(w, r, links.attributes.data, spans[i]!, spans[i + 1]!);
}
