/**
 * A small protobuf writer over one growing Buffer, for the trace exporter's
 * hot path. Long or non-ASCII strings go through Buffer's native UTF-8
 * encoder; short ASCII strings (attribute keys, most values) and hex ids are
 * copied by JavaScript loops, faster than a call into native code for a few
 * bytes.
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
    this.stringValue(value);
  }

  /** A string's length and UTF-8 bytes (the body of a length-delimited field whose tag is written). */
  stringValue(value: string): void {
    const length = value.length;
    this.ensure(length * 3 + 5);
    const buf = this.buf;
    if (length < SHORT_STRING) {
      // Short strings (attribute keys, most values): one JavaScript loop beats a call into
      // Buffer's native encoder, as long as every character is ASCII (checked as it copies).
      let at = this.pos + 1;
      let i = 0;
      for (; i < length; i++) {
        const c = value.charCodeAt(i);
        if (c >= 0x80) break;
        buf[at++] = c;
      }
      if (i === length) {
        buf[this.pos] = length;
        this.pos = at;
        return;
      }
    }
    // Most strings are short: write with a one-byte length, move the bytes if the length needs more.
    const start = this.pos + 1;
    const written = buf.write(value, start, 'utf8');
    if (written < 0x80) {
      buf[this.pos] = written;
      this.pos = start + written;
      return;
    }
    const lengthBytes = varintSize(written);
    buf.copyWithin(this.pos + lengthBytes, start, start + written);
    this.varint(written);
    this.pos += written;
  }

  /**
   * `source.slice(start, end)` as a string value (length and bytes), copied
   * without the slice, if it is ASCII and shorter than SHORT_STRING; false
   * (nothing written) otherwise.
   */
  asciiRange(source: string, start: number, end: number): boolean {
    const length = end - start;
    if (length >= SHORT_STRING || length < 0) return false;
    this.ensure(length + 1);
    const buf = this.buf;
    let at = this.pos + 1;
    for (let i = start; i < end; i++) {
      const c = source.charCodeAt(i);
      if (c >= 0x80) return false;
      buf[at++] = c;
    }
    buf[this.pos] = length;
    this.pos = at;
    return true;
  }

  /**
   * A KeyValue (common.proto) in its short form: `tag` is the KeyValue
   * field's one-byte tag, `key` its key field as encoded (attributeKey), the
   * value `source.slice(start, end)` as an AnyValue string, all lengths exact
   * single bytes (no padded placeholders). False, with nothing written, when
   * it does not fit that form: a KeyValue of 128 bytes or more, or a
   * character that is not ASCII (the caller writes the long form).
   */
  keyValueAscii(tag: number, key: Uint8Array, source: string, start: number, end: number): boolean {
    const length = end - start;
    const keyLength = key.length;
    const kvLength = keyLength + 4 + length;
    if (kvLength >= 0x80 || length < 0) return false;
    this.ensure(kvLength + 2);
    const buf = this.buf;
    let at = this.pos;
    buf[at++] = tag;
    buf[at++] = kvLength;
    at = copyBytes(buf, at, key);
    buf[at++] = 0x12; // KeyValue.value
    buf[at++] = length + 2;
    buf[at++] = 0x0a; // AnyValue.string_value
    buf[at++] = length;
    for (let i = start; i < end; i++) {
      const c = source.charCodeAt(i);
      if (c >= 0x80) return false;
      buf[at++] = c;
    }
    this.pos = at;
    return true;
  }

  /**
   * The same with an AnyValue int_value; false (nothing written) unless
   * 0 <= value < 2^28 and it fits. Its head is written out as in
   * keyValueAscii: a shared helper cost 6% of a span's encoding
   * (bench:agent-encoding).
   */
  keyValueInt(tag: number, key: Uint8Array, value: number): boolean {
    if (!(value >= 0 && value < 0x10000000) || value % 1 !== 0) return false;
    const valueLength = value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x200000 ? 3 : 4;
    const keyLength = key.length;
    const kvLength = keyLength + 3 + valueLength;
    if (kvLength >= 0x80) return false;
    this.ensure(kvLength + 2);
    const buf = this.buf;
    let at = this.pos;
    buf[at++] = tag;
    buf[at++] = kvLength;
    at = copyBytes(buf, at, key);
    buf[at++] = 0x12; // KeyValue.value
    buf[at++] = valueLength + 1;
    buf[at++] = 0x18; // AnyValue.int_value
    let v = value;
    while (v > 0x7f) {
      buf[at++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[at++] = v;
    this.pos = at;
    return true;
  }

  /** A bytes field (length below 128): `bytes[start, start + length)`, copied (the agent's own ids). */
  bytesField(field: number, bytes: Uint8Array, start: number, length: number): void {
    this.tag(field, 2);
    this.ensure(length + 1);
    const buf = this.buf;
    let at = this.pos;
    buf[at++] = length;
    for (let i = start; i < start + length; i++) buf[at++] = bytes[i]!;
    this.pos = at;
  }

  /** A bytes field from a hex string (trace and span ids). Skipped when empty. */
  hexBytes(field: number, hex: string): void {
    if (hex.length === 0) return;
    this.tag(field, 2);
    const n = hex.length >>> 1;
    this.ensure(n + 1);
    this.buf[this.pos++] = n;
    hexToBytes(hex, this.buf, this.pos, n);
    this.pos += n;
  }

  /** fixed64 nanoseconds from an HrTime [seconds, nanoseconds], without BigInt (exact below 2^53 per step). */
  fixed64Time(field: number, time: readonly [number, number]): void {
    this.fixed64Nanos(field, time[0], time[1]);
  }

  /**
   * fixed64 nanoseconds from milliseconds since the epoch, split as
   * @opentelemetry/core's millisToHrTime splits them (the same bytes as
   * fixed64Time of its HrTime), without the array.
   */
  fixed64Millis(field: number, ms: number): void {
    const seconds = Math.trunc(ms / 1000);
    // ms % 1000, exactly (the two are within a factor of two: the subtraction is exact), without
    // the floating-point remainder, which is a call into C.
    this.fixed64Nanos(field, seconds, Math.round((ms - seconds * 1000) * 1e6));
  }

  /**
   * fixed64 of seconds * 1e9 + nanos, computed in doubles without losing a
   * bit (every product and sum stays below 2^53; a division by a power of two
   * and its floor are exact), and written byte by byte: no remainder (a call
   * into C) and no Buffer.writeUInt32LE (a call with argument checks).
   */
  fixed64Nanos(field: number, seconds: number, nanos: number): void {
    this.tag(field, 1);
    this.ensure(8);
    // seconds = secondsHigh * 65536 + the rest
    const secondsHigh = Math.floor(seconds / 65536);
    const low = (seconds - secondsHigh * 65536) * 1e9 + nanos; // < 2^46
    const high = secondsHigh * 1e9; // in units of 65536 ns
    const highHigh = Math.floor(high / 65536); // in units of 2^32 ns
    const sum = (high - highHigh * 65536) * 65536 + low; // < 2^47
    const carry = Math.floor(sum / 4294967296);
    const lo32 = sum - carry * 4294967296;
    const hi32 = (highHigh + carry) >>> 0;
    const buf = this.buf;
    const p = this.pos;
    buf[p] = lo32;
    buf[p + 1] = lo32 >>> 8;
    buf[p + 2] = lo32 >>> 16;
    buf[p + 3] = lo32 >>> 24;
    buf[p + 4] = hi32;
    buf[p + 5] = hi32 >>> 8;
    buf[p + 6] = hi32 >>> 16;
    buf[p + 7] = hi32 >>> 24;
    this.pos = p + 8;
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
    // Byte by byte: Buffer's writeUInt32LE checks its arguments through node's error helpers,
    // ~270 instructions a call (the flags of every span).
    const v = value >>> 0;
    const buf = this.buf;
    const p = this.pos;
    buf[p] = v;
    buf[p + 1] = v >>> 8;
    buf[p + 2] = v >>> 16;
    buf[p + 3] = v >>> 24;
    this.pos = p + 4;
  }

  /** Appends a few already-encoded bytes (a cached field, an attribute's key). */
  small(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.pos = copyBytes(this.buf, this.pos, bytes);
  }

  /** A one-byte tag, then already-encoded bytes (a KeyValue written before, see AttributeKey). */
  tagged(tag: number, bytes: Uint8Array): void {
    this.ensure(bytes.length + 1);
    this.buf[this.pos] = tag;
    this.pos = copyBytes(this.buf, this.pos + 1, bytes);
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

/**
 * Copies `bytes` into `buf` at `at` (room is ensured); returns the position after them. A byte
 * loop costs about 5 ns a byte here: TurboFan re-checks both typed arrays on every iteration (their
 * length, base and backing store can change, so nothing is hoisted), some 36 instructions a byte.
 * TypedArray.prototype.set is a memmove after a fixed ~50 ns. Attribute keys
 * (`http.response.header.content-type`, 30-40 bytes) are past the crossover (bench/agent/RESULTS.md,
 * fourteenth session); short ones stay in the loop.
 */
function copyBytes(buf: Uint8Array, at: number, bytes: Uint8Array): number {
  const n = bytes.length;
  if (n > NATIVE_COPY_FROM) {
    buf.set(bytes, at);
    return at + n;
  }
  for (let i = 0; i < n; i++) buf[at++] = bytes[i]!;
  return at;
}
const NATIVE_COPY_FROM = 12;

/** Strings shorter than this are copied in JavaScript when they are ASCII. */
const SHORT_STRING = 64;

/** Writes the `n` bytes of the first 2n hex digits of `hex` (either case) into `into` at `at`. */
export function hexToBytes(hex: string, into: Uint8Array, at: number, n: number): void {
  for (let i = 0; i < n; i++)
    into[at + i] = (HEX_VALUE[hex.charCodeAt(2 * i)]! << 4) | HEX_VALUE[hex.charCodeAt(2 * i + 1)]!;
}

/** Hex digit values by character code (0-9, a-f, A-F). */
const HEX_VALUE = new Uint8Array(128);
for (let i = 0; i < 10; i++) HEX_VALUE[48 + i] = i;
for (let i = 0; i < 6; i++) HEX_VALUE[97 + i] = HEX_VALUE[65 + i] = 10 + i;

function varintSize(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}
