import { WIRE_LEN, WIRE_VARINT, expectWire, type ProtoReader } from '../wire/proto-reader.ts';
import { RowBinaryWriter } from '../rows/row-binary-writer.ts';
import { anyValueToString } from '../rows/value-format.ts';
import { decodeKeyValue } from './decode-common.ts';
import { isAscii, writePlainKeyValue } from './plain-key-value.ts';
import { endMessage, nextTag } from './wire-ranges.ts';

const SERVICE_NAME = 'service.name';
const SERVICE_NAME_BYTES = Buffer.from(SERVICE_NAME);

/**
 * The four otel_traces columns a span takes from its resource and scope
 * (ServiceName, ResourceAttributes, ScopeName, ScopeVersion: adjacent in the
 * row), encoded once per resource and scope and copied into each row in one
 * go. Reused from request to request.
 *
 * The bytes and the errors are exactly those of decodeResource/decodeScope
 * (which decode to JS strings) followed by attributeValue/writeMap and
 * `string`: KeyValues in plain form are copied from the wire only where that
 * decoding cannot change them (see plain-key-value.ts, `strict`); any other
 * KeyValue, and any string that is not valid UTF-8 or has a non-minimal
 * length, goes through the decoder.
 */
export class ResourceScopeFragment {
  /** The fragment: the resource part [0, resourceEnd), then the scope part up to `out.pos`. */
  readonly out = new RowBinaryWriter(1024);
  private resourceEnd = 0;
  /** The resource's map entries, before their count is known. */
  private readonly entries = new RowBinaryWriter(1024);

  /** No resource: ServiceName "" and no attributes. */
  clearResource(): void {
    this.out.pos = 0;
    this.out.uint8(0);
    this.out.uint8(0);
    this.resourceEnd = this.out.pos;
  }

  /** Encodes the Resource message [r.pos, end) as the resource part (and drops the scope part). */
  setResource(r: ProtoReader, end: number): void {
    const entries = this.entries;
    const buf = r.buf;
    entries.pos = 0;
    let count = 0;
    let serviceStart = -1;
    let serviceEnd = -1;
    const outer = r.end;
    r.end = end;
    while (r.pos < end) {
      const tag = nextTag(r);
      if (tag >>> 3 !== 1) {
        r.skip(tag & 7);
        continue;
      }
      expectWire(tag & 7, WIRE_LEN, 'Resource.attributes');
      const kvEnd = r.lenEnd();
      const kvStart = r.pos;
      let valueText = writePlainKeyValue(entries, buf, kvStart, kvEnd, true);
      let isService: boolean;
      if (valueText >= 0) {
        isService = plainKeyIs(buf, kvStart, kvEnd, SERVICE_NAME_BYTES);
        r.pos = kvEnd;
      } else {
        const kv = decodeKeyValue(r, kvEnd);
        entries.string(kv.key);
        valueText = entries.pos;
        entries.string(anyValueToString(kv.value));
        isService = kv.key === SERVICE_NAME;
      }
      // ServiceName is the text of the first service.name attribute.
      if (isService && serviceStart < 0) {
        serviceStart = valueText;
        serviceEnd = entries.pos;
      }
      count++;
    }
    endMessage(r, end, outer);
    const out = this.out;
    out.pos = 0;
    if (serviceStart < 0) out.uint8(0);
    else out.copyOf(entries, serviceStart, serviceEnd);
    out.varint(count);
    out.copyOf(entries, 0, entries.pos);
    this.resourceEnd = out.pos;
  }

  /** No scope: ScopeName and ScopeVersion "". */
  clearScope(): void {
    this.out.pos = this.resourceEnd;
    this.out.uint8(0);
    this.out.uint8(0);
  }

  /** Encodes the InstrumentationScope message [r.pos, end) as the scope part. */
  setScope(r: ProtoReader, end: number): void {
    const buf = r.buf;
    // String ranges [start of the length varint, end); the last occurrence wins.
    let nameStart = 0;
    let nameEnd = 0;
    let versionStart = 0;
    let versionEnd = 0;
    const outer = r.end;
    r.end = end;
    while (r.pos < end) {
      const tag = nextTag(r);
      switch (tag >>> 3) {
        case 1:
          expectWire(tag & 7, WIRE_LEN, 'InstrumentationScope.name');
          nameStart = r.pos;
          nameEnd = r.pos = r.lenEnd();
          break;
        case 2:
          expectWire(tag & 7, WIRE_LEN, 'InstrumentationScope.version');
          versionStart = r.pos;
          versionEnd = r.pos = r.lenEnd();
          break;
        case 3:
          // Not stored, but checked as the decoder checks them.
          expectWire(tag & 7, WIRE_LEN, 'InstrumentationScope.attributes');
          decodeKeyValue(r, r.lenEnd());
          break;
        case 4:
          expectWire(tag & 7, WIRE_VARINT, 'InstrumentationScope.dropped_attributes_count');
          r.varintNumber();
          break;
        default:
          r.skip(tag & 7);
      }
    }
    endMessage(r, end, outer);
    this.out.pos = this.resourceEnd;
    writeDecodedString(this.out, buf, nameStart, nameEnd);
    writeDecodedString(this.out, buf, versionStart, versionEnd);
  }
}

/** True when the plain KeyValue [start, end) has the key `key` (ASCII, below 128 bytes). */
function plainKeyIs(buf: Buffer, start: number, end: number, key: Buffer): boolean {
  if (end - start < 2 + key.length || buf[start + 1] !== key.length) return false;
  for (let i = 0; i < key.length; i++) if (buf[start + 2 + i] !== key[i]) return false;
  return true;
}

/**
 * The string [start of its length varint, end) as `w.string(decoded text)`
 * writes it ("" when absent, end 0): copied when that is the same bytes (a
 * minimal length and valid UTF-8), else decoded and re-encoded.
 */
function writeDecodedString(w: RowBinaryWriter, buf: Buffer, start: number, end: number): void {
  if (end === 0) {
    w.uint8(0);
    return;
  }
  let payload = start;
  while (buf[payload]! & 0x80) payload++;
  payload++;
  const minimal = payload - start === 1 || buf[payload - 1] !== 0;
  if (minimal && isAscii(buf, payload, end)) w.copy(buf, start, end);
  else w.string(buf.toString('utf8', payload, end));
}
