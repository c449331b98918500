/**
 * A small protobuf writer over one growing Buffer, for the trace exporter's
 * hot path. Strings and hex ids go through Buffer's native encoders (the
 * upstream serializer encodes UTF-8 character by character in JavaScript).
 * Nested messages reserve a 4-byte length that is back-filled as a padded
 * varint (0x80 0x80 0x80 0x00 is a valid encoding of 0; every protobuf
 * parser accepts non-minimal varints), so no size pass is needed.
 */
export class ProtobufWriter {
  buf: Buffer;
  pos = 0;

  constructor(initialSize = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  reset(): void {
    this.pos = 0;
  }

  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  tag(field: number, wireType: number): void {
    this.varint((field << 3) | wireType);
  }

  varint(value: number): void {
    this.ensure(10);
    let v = value;
    if (v < 0) {
      // int64 negative: 10-byte two's complement
      this.varint64(BigInt(v));
      return;
    }
    while (v > 0x7f) {
      this.buf[this.pos++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
  }

  private varint64(value: bigint): void {
    let v = BigInt.asUintN(64, value);
    while (v > 0x7fn) {
      this.buf[this.pos++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.pos++] = Number(v);
  }

  /** A string field (wire type 2). Skipped when empty (proto3 default). */
  string(field: number, value: string): void {
    if (value.length === 0) return;
    this.tag(field, 2);
    this.ensure(value.length * 3 + 5);
    // Most strings are short: write with a one-byte length, move the bytes if the length needs more.
    const start = this.pos + 1;
    const written = this.buf.write(value, start, 'utf8');
    if (written < 0x80) {
      this.buf[this.pos] = written;
      this.pos = start + written;
      return;
    }
    const lengthBytes = varintSize(written);
    this.buf.copyWithin(this.pos + lengthBytes, start, start + written);
    this.varint(written);
    this.pos += written;
  }

  /** A bytes field from a hex string (trace and span ids). Skipped when empty. */
  hexBytes(field: number, hex: string): void {
    if (hex.length === 0) return;
    this.tag(field, 2);
    const n = hex.length >>> 1;
    this.ensure(n + 1);
    this.buf[this.pos++] = n;
    this.pos += this.buf.write(hex, this.pos, n, 'hex');
  }

  /** fixed64 nanoseconds from an HrTime [seconds, nanoseconds]. */
  fixed64Time(field: number, time: readonly [number, number]): void {
    this.tag(field, 1);
    this.ensure(8);
    this.buf.writeBigUInt64LE(BigInt(time[0]) * 1_000_000_000n + BigInt(time[1]), this.pos);
    this.pos += 8;
  }

  double(field: number, value: number): void {
    this.tag(field, 1);
    this.ensure(8);
    this.buf.writeDoubleLE(value, this.pos);
    this.pos += 8;
  }

  fixed32(field: number, value: number): void {
    this.tag(field, 5);
    this.ensure(4);
    this.buf.writeUInt32LE(value >>> 0, this.pos);
    this.pos += 4;
  }

  /** Appends already-encoded bytes (fields of the message being written). */
  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** Opens a nested message; returns the position to pass to `end`. */
  begin(field: number): number {
    this.tag(field, 2);
    this.ensure(4);
    const at = this.pos;
    this.pos += 4;
    return at;
  }

  /** Back-fills the nested message's length as a 4-byte padded varint (messages < 256 MiB). */
  end(at: number): void {
    const len = this.pos - at - 4;
    this.buf[at] = (len & 0x7f) | 0x80;
    this.buf[at + 1] = ((len >>> 7) & 0x7f) | 0x80;
    this.buf[at + 2] = ((len >>> 14) & 0x7f) | 0x80;
    this.buf[at + 3] = (len >>> 21) & 0x7f;
  }
}

function varintSize(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}
