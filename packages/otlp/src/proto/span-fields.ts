import {
  WIRE_FIXED32,
  WIRE_FIXED64,
  WIRE_LEN,
  WIRE_VARINT,
  expectWire,
  type ProtoReader,
} from '../wire/proto-reader.ts';
import { LinkFields } from './event-link-fields.ts';
import { RangeList, endMessage, isId, nextTag, prefixedStringLength, pushRange } from './wire-ranges.ts';

/**
 * Where the fields of one Span are in the request buffer, found by one pass
 * over its bytes (no strings, no objects); reused from span to span.
 * Id ranges are payloads [first byte, end); string ranges include their
 * length varint [start of the varint, end), since a protobuf string is byte
 * for byte a RowBinary String. An end of 0 means "absent".
 */
export class SpanFields {
  traceIdStart = 0;
  traceIdEnd = 0;
  spanIdStart = 0;
  spanIdEnd = 0;
  parentStart = 0;
  parentEnd = 0;
  traceStateStart = 0;
  traceStateEnd = 0;
  nameStart = 0;
  nameEnd = 0;
  kind = 0;
  /** Position of the fixed64 start and end times, or -1. */
  startPos = -1;
  endPos = -1;
  statusCode = 0;
  statusMessageStart = 0;
  statusMessageEnd = 0;
  /** Payload ranges of the repeated KeyValue, Event and Link fields. */
  readonly attributes = new RangeList();
  readonly events = new RangeList();
  readonly links = new RangeList();
  /** The links, parsed by `problem` (which must check their ids) for the row writer. */
  readonly linkFields = new LinkFields();

  /** Records the fields of the Span message [r.pos, end); throws DecodeError on malformed wire data. */
  scan(r: ProtoReader, end: number): void {
    this.traceIdStart = this.traceIdEnd = 0;
    this.spanIdStart = this.spanIdEnd = 0;
    this.parentStart = this.parentEnd = 0;
    this.traceStateStart = this.traceStateEnd = 0;
    this.nameStart = this.nameEnd = 0;
    this.statusMessageStart = this.statusMessageEnd = 0;
    this.kind = 0;
    this.startPos = this.endPos = -1;
    this.statusCode = 0;
    this.attributes.length = 0;
    this.events.length = 0;
    this.links.length = 0;
    const outer = r.end;
    r.end = end;
    while (r.pos < end) {
      const tag = nextTag(r);
      const wire = tag & 7;
      switch (tag >>> 3) {
        case 1: {
          expectWire(wire, WIRE_LEN, 'Span.trace_id');
          const e = r.lenEnd();
          this.traceIdStart = r.pos;
          this.traceIdEnd = r.pos = e;
          break;
        }
        case 2: {
          expectWire(wire, WIRE_LEN, 'Span.span_id');
          const e = r.lenEnd();
          this.spanIdStart = r.pos;
          this.spanIdEnd = r.pos = e;
          break;
        }
        case 3: {
          expectWire(wire, WIRE_LEN, 'Span.trace_state');
          this.traceStateStart = r.pos;
          this.traceStateEnd = r.pos = r.lenEnd();
          break;
        }
        case 4: {
          expectWire(wire, WIRE_LEN, 'Span.parent_span_id');
          const e = r.lenEnd();
          this.parentStart = r.pos;
          this.parentEnd = r.pos = e;
          break;
        }
        case 5: {
          expectWire(wire, WIRE_LEN, 'Span.name');
          this.nameStart = r.pos;
          this.nameEnd = r.pos = r.lenEnd();
          break;
        }
        case 6:
          expectWire(wire, WIRE_VARINT, 'Span.kind');
          this.kind = r.varintNumber();
          break;
        case 7:
          expectWire(wire, WIRE_FIXED64, 'Span.start_time_unix_nano');
          this.startPos = r.pos;
          r.skipFixed64();
          break;
        case 8:
          expectWire(wire, WIRE_FIXED64, 'Span.end_time_unix_nano');
          this.endPos = r.pos;
          r.skipFixed64();
          break;
        case 9:
          pushRange(r, wire, this.attributes, 'Span.attributes');
          break;
        case 11:
          pushRange(r, wire, this.events, 'Span.events');
          break;
        case 13:
          pushRange(r, wire, this.links, 'Span.links');
          break;
        case 15:
          expectWire(wire, WIRE_LEN, 'Span.status');
          this.scanStatus(r, r.lenEnd());
          break;
        case 16:
          expectWire(wire, WIRE_FIXED32, 'Span.flags');
          r.skip(wire);
          break;
        default:
          r.skip(wire);
      }
    }
    endMessage(r, end, outer);
  }

  private scanStatus(r: ProtoReader, end: number): void {
    const outer = r.end;
    r.end = end;
    while (r.pos < end) {
      const tag = nextTag(r);
      const field = tag >>> 3;
      if (field === 2) {
        expectWire(tag & 7, WIRE_LEN, 'Status.message');
        this.statusMessageStart = r.pos;
        this.statusMessageEnd = r.pos = r.lenEnd();
      } else if (field === 3) {
        expectWire(tag & 7, WIRE_VARINT, 'Status.code');
        this.statusCode = r.varintNumber();
      } else r.skip(tag & 7);
    }
    endMessage(r, end, outer);
  }

  /**
   * Why the span must be rejected, or undefined (mirrors map-traces.ts validateSpan).
   * Parses the links into `linkFields` as it checks them, stopping at the first bad one.
   */
  problem(r: ProtoReader): string | undefined {
    const buf = r.buf;
    if (!isId(buf, this.traceIdStart, this.traceIdEnd, 16)) {
      return `span "${this.nameText(buf)}": invalid trace id "${buf.toString('hex', this.traceIdStart, this.traceIdEnd)}" (expected 16 bytes)`;
    }
    if (!isId(buf, this.spanIdStart, this.spanIdEnd, 8)) {
      return `span "${this.nameText(buf)}": invalid span id "${buf.toString('hex', this.spanIdStart, this.spanIdEnd)}" (expected 8 bytes)`;
    }
    if (this.parentEnd > this.parentStart && !isId(buf, this.parentStart, this.parentEnd, 8)) {
      return `span "${this.nameText(buf)}": invalid parent span id "${buf.toString('hex', this.parentStart, this.parentEnd)}" (expected 8 bytes or empty)`;
    }
    const links = this.linkFields;
    links.clear();
    for (let i = 0; i < this.links.length; i += 2) {
      const l = links.parse(r, this.links.data[i]!, this.links.data[i + 1]!);
      const ids = links.ids.data;
      if (!isId(buf, ids[l]!, ids[l + 1]!, 16) || !isId(buf, ids[l + 2]!, ids[l + 3]!, 8)) {
        return `span "${this.nameText(buf)}": link to invalid ids "${buf.toString('hex', ids[l], ids[l + 1])}"/"${buf.toString('hex', ids[l + 2], ids[l + 3])}"`;
      }
    }
    return undefined;
  }

  /** The span name as text (for messages only). */
  private nameText(buf: Buffer): string {
    return buf.toString(
      'utf8',
      this.nameEnd - prefixedStringLength(buf, this.nameStart, this.nameEnd),
      this.nameEnd,
    );
  }
}
