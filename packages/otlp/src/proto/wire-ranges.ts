import { DecodeError, WIRE_LEN, expectWire, type ProtoReader } from '../wire/proto-reader.ts';

/**
 * Helpers of the traces transcoder, which records where fields are in the
 * request buffer (byte ranges) instead of decoding them. Error messages are
 * those of `readMessage` and `ProtoReader`, so that malformed input is refused
 * with the same words whichever path reads it.
 */

/** A growable list of [start, end) pairs, reused from message to message without allocating. */
export class RangeList {
  data = new Int32Array(64);
  /** Numbers used (twice the number of ranges). */
  length = 0;

  push(start: number, end: number): void {
    if (this.length + 2 > this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = start;
    this.data[this.length++] = end;
  }
}

/** Reads a tag, refusing field number 0. */
export function nextTag(r: ProtoReader): number {
  const tag = r.tag();
  if (tag >>> 3 === 0) throw new DecodeError(`invalid field number 0 at byte ${r.pos}`);
  return tag;
}

/** Checks that a message ended exactly at its length, then restores the outer bound. */
export function endMessage(r: ProtoReader, end: number, outer: number): void {
  if (r.pos !== end) throw new DecodeError(`message overruns its length at byte ${r.pos}`);
  r.end = outer;
}

/** Appends the payload range of a length-delimited field to `into`. */
export function pushRange(r: ProtoReader, wire: number, into: RangeList, what: string): void {
  expectWire(wire, WIRE_LEN, what);
  const end = r.lenEnd();
  into.push(r.pos, end);
  r.pos = end;
}

/** Length of the varint prefix of a string range [start of its length varint, end of its bytes). */
export function prefixedStringLength(buf: Buffer, start: number, end: number): number {
  if (end === 0) return 0;
  let pos = start;
  while (buf[pos]! & 0x80) pos++;
  return end - (pos + 1);
}

/** A valid id: exactly `bytes` long and not all zero (OTLP). */
export function isId(buf: Buffer, start: number, end: number, bytes: number): boolean {
  if (end - start !== bytes) return false;
  for (let i = start; i < end; i++) if (buf[i] !== 0) return true;
  return false;
}
