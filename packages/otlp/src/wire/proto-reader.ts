/**
 * A minimal, allocation-light protobuf wire-format reader over a Buffer.
 * Every read is bounds-checked and throws `DecodeError` on malformed input,
 * so callers can turn any corruption into one clear 400 / INVALID_ARGUMENT.
 */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
}

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;
export const WIRE_FIXED32 = 5;

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export class ProtoReader {
  pos: number;
  constructor(
    readonly buf: Buffer,
    start = 0,
    /** Exclusive end of the current message. */
    public end = buf.length,
  ) {
    this.pos = start;
  }

  /** Reads a tag; returns field number * 8 + wire type, as on the wire. */
  tag(): number {
    return this.uint32();
  }

  /**
   * A varint that must fit in 32 bits (tags, lengths, sint32). Larger values are
   * refused rather than truncated: the traces transcoder copies length prefixes
   * verbatim into RowBinary, where ClickHouse reads every bit of them.
   */
  uint32(): number {
    const buf = this.buf;
    // Most tags and lengths are one byte: take them without entering the general loop.
    if (this.pos < this.end) {
      const first = buf[this.pos]!;
      if (first < 0x80) {
        this.pos++;
        return first;
      }
    }
    let result = 0;
    let shift = 0;
    while (true) {
      if (this.pos >= this.end) throw new DecodeError(`truncated varint at byte ${this.pos}`);
      const b = buf[this.pos++]!;
      if (shift < 28) result |= (b & 0x7f) << shift;
      else if (shift === 28 && (b & 0x70) === 0) result = (result >>> 0) + (b & 0x0f) * 0x10000000;
      else if (shift === 28 || (b & 0x7f) !== 0) throw new DecodeError(`varint at byte ${this.pos - 1} does not fit in 32 bits`);
      if ((b & 0x80) === 0) return result;
      shift += 7;
      if (shift > 63) throw new DecodeError(`varint too long at byte ${this.pos}`);
    }
  }

  /** A varint as an exact unsigned 64-bit value. */
  uint64(): bigint {
    let result = 0n;
    let shift = 0n;
    while (true) {
      if (this.pos >= this.end) throw new DecodeError(`truncated varint at byte ${this.pos}`);
      const b = this.buf[this.pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result & 0xffffffffffffffffn;
      shift += 7n;
      if (shift > 63n) throw new DecodeError(`varint too long at byte ${this.pos}`);
    }
  }

  /** A varint int64 (two's complement). */
  int64(): bigint {
    return BigInt.asIntN(64, this.uint64());
  }

  /** A varint as a JS number; exact below 2^53 (counts, enums). */
  varintNumber(): number {
    let result = 0;
    let mul = 1;
    while (true) {
      if (this.pos >= this.end) throw new DecodeError(`truncated varint at byte ${this.pos}`);
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return result;
      mul *= 128;
      if (mul > 2 ** 63) throw new DecodeError(`varint too long at byte ${this.pos}`);
    }
  }

  sint32(): number {
    const n = this.uint32();
    return (n >>> 1) ^ -(n & 1);
  }

  bool(): boolean {
    return this.varintNumber() !== 0;
  }

  fixed32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  fixed64(): bigint {
    this.need(8);
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return v;
  }

  sfixed64(): bigint {
    this.need(8);
    const v = this.buf.readBigInt64LE(this.pos);
    this.pos += 8;
    return v;
  }

  double(): number {
    this.need(8);
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  /** Reads a length prefix and returns the exclusive end of the embedded field. */
  lenEnd(): number {
    const len = this.uint32();
    const end = this.pos + len;
    if (end > this.end) throw new DecodeError(`length ${len} at byte ${this.pos} runs past the end of its message`);
    return end;
  }

  string(): string {
    const end = this.lenEnd();
    const s = this.buf.toString('utf8', this.pos, end);
    this.pos = end;
    return s;
  }

  bytes(): Uint8Array {
    const end = this.lenEnd();
    const b = this.buf.subarray(this.pos, end);
    this.pos = end;
    return b;
  }

  /** Bytes as lowercase hex, the ClickStack form of trace and span ids. */
  hex(): string {
    const end = this.lenEnd();
    let s = '';
    for (let i = this.pos; i < end; i++) s += HEX[this.buf[i]!]!;
    this.pos = end;
    return s;
  }

  skip(wireType: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.varintNumber();
        return;
      case WIRE_FIXED64:
        this.need(8);
        this.pos += 8;
        return;
      case WIRE_LEN:
        this.pos = this.lenEnd();
        return;
      case WIRE_FIXED32:
        this.need(4);
        this.pos += 4;
        return;
      default:
        throw new DecodeError(`unsupported wire type ${wireType} at byte ${this.pos}`);
    }
  }

  /** Skips a fixed64 field's payload (as `skip(WIRE_FIXED64)`, small enough to inline in hot loops). */
  skipFixed64(): void {
    this.need(8);
    this.pos += 8;
  }

  /** Runs `fn` over each element of a repeated scalar field, packed or not. */
  repeated(wireType: number, scalarWireType: number, read: () => void): void {
    if (wireType === WIRE_LEN && scalarWireType !== WIRE_LEN) {
      const end = this.lenEnd();
      const outer = this.end;
      this.end = end;
      while (this.pos < end) read();
      this.end = outer;
    } else if (wireType === scalarWireType) {
      read();
    } else {
      throw new DecodeError(`wrong wire type ${wireType} for a repeated field at byte ${this.pos}`);
    }
  }

  private need(n: number): void {
    if (this.pos + n > this.end) throw new DecodeError(`truncated field at byte ${this.pos}`);
  }
}

/**
 * Iterates the fields of the embedded message that starts at the reader's
 * position (after its length prefix has been read by `lenEnd`), restoring the
 * outer message bounds afterwards.
 */
export function readMessage(r: ProtoReader, end: number, onField: (field: number, wireType: number) => void): void {
  const outer = r.end;
  r.end = end;
  while (r.pos < end) {
    const tag = r.tag();
    const field = tag >>> 3;
    if (field === 0) throw new DecodeError(`invalid field number 0 at byte ${r.pos}`);
    onField(field, tag & 7);
  }
  if (r.pos !== end) throw new DecodeError(`message overruns its length at byte ${r.pos}`);
  r.end = outer;
}

/** Asserts the wire type of a known field, naming it in the error. */
export function expectWire(actual: number, expected: number, what: string): void {
  if (actual !== expected) throw new DecodeError(`${what}: wire type ${actual}, expected ${expected}`);
}
