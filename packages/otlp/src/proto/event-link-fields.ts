import { WIRE_FIXED32, WIRE_FIXED64, WIRE_LEN, expectWire, type ProtoReader } from '../wire/proto-reader.ts';
import { RangeList, endMessage, nextTag, pushRange } from './wire-ranges.ts';

/*
 * The fields of a span's events and links, parsed message by message into
 * flat lists (no object per event or link), because otel_traces stores them
 * as Nested columns: all the timestamps, then all the names, and so on.
 * Reused from span to span: `clear` before parsing the next span's.
 */

/**
 * Per event: in `times`, the position of its fixed64 time (or -1) and 0; in
 * `names`, a string range [start of the length varint, end) (end 0: absent);
 * in `attributeSpans`, the [from, to) indexes of its KeyValue ranges in `attributes.data`.
 */
export class EventFields {
  readonly times = new RangeList();
  readonly names = new RangeList();
  readonly attributeSpans = new RangeList();
  readonly attributes = new RangeList();

  get count(): number {
    return this.names.length / 2;
  }

  clear(): void {
    this.times.length = this.names.length = this.attributeSpans.length = this.attributes.length = 0;
  }

  /** Parses the Event message [start, end); leaves the reader's position and bound as they were. */
  parse(r: ProtoReader, start: number, end: number): void {
    let time = -1;
    let nameStart = 0;
    let nameEnd = 0;
    const attributesFrom = this.attributes.length;
    const saved = r.pos;
    const outer = r.end;
    r.pos = start;
    r.end = end;
    while (r.pos < end) {
      const tag = nextTag(r);
      const wire = tag & 7;
      const field = tag >>> 3;
      if (field === 1) {
        expectWire(wire, WIRE_FIXED64, 'Span.Event.time_unix_nano');
        time = r.pos;
        r.skip(wire);
      } else if (field === 2) {
        expectWire(wire, WIRE_LEN, 'Span.Event.name');
        nameStart = r.pos;
        nameEnd = r.pos = r.lenEnd();
      } else if (field === 3) pushRange(r, wire, this.attributes, 'Span.Event.attributes');
      else r.skip(wire);
    }
    endMessage(r, end, end);
    r.pos = saved;
    r.end = outer;
    this.times.push(time, 0);
    this.names.push(nameStart, nameEnd);
    this.attributeSpans.push(attributesFrom, this.attributes.length);
  }
}

/**
 * Per link: in `ids`, four numbers (trace id payload range, span id payload
 * range); in `traceStates`, a string range; in `attributeSpans`, the [from, to)
 * indexes of its KeyValue ranges in `attributes.data`.
 */
export class LinkFields {
  readonly ids = new RangeList();
  readonly traceStates = new RangeList();
  readonly attributeSpans = new RangeList();
  readonly attributes = new RangeList();

  get count(): number {
    return this.traceStates.length / 2;
  }

  clear(): void {
    this.ids.length = this.traceStates.length = this.attributeSpans.length = this.attributes.length = 0;
  }

  /** Parses the Link message [start, end) and returns the index of its ids in `ids.data`. */
  parse(r: ProtoReader, start: number, end: number): number {
    let traceIdStart = 0;
    let traceIdEnd = 0;
    let spanIdStart = 0;
    let spanIdEnd = 0;
    let traceStateStart = 0;
    let traceStateEnd = 0;
    const attributesFrom = this.attributes.length;
    const saved = r.pos;
    const outer = r.end;
    r.pos = start;
    r.end = end;
    while (r.pos < end) {
      const tag = nextTag(r);
      const wire = tag & 7;
      switch (tag >>> 3) {
        case 1: {
          expectWire(wire, WIRE_LEN, 'Span.Link.trace_id');
          const e = r.lenEnd();
          traceIdStart = r.pos;
          traceIdEnd = r.pos = e;
          break;
        }
        case 2: {
          expectWire(wire, WIRE_LEN, 'Span.Link.span_id');
          const e = r.lenEnd();
          spanIdStart = r.pos;
          spanIdEnd = r.pos = e;
          break;
        }
        case 3:
          expectWire(wire, WIRE_LEN, 'Span.Link.trace_state');
          traceStateStart = r.pos;
          traceStateEnd = r.pos = r.lenEnd();
          break;
        case 4:
          pushRange(r, wire, this.attributes, 'Span.Link.attributes');
          break;
        case 6:
          expectWire(wire, WIRE_FIXED32, 'Span.Link.flags');
          r.skip(wire);
          break;
        default:
          r.skip(wire);
      }
    }
    endMessage(r, end, end);
    r.pos = saved;
    r.end = outer;
    const at = this.ids.length;
    this.ids.push(traceIdStart, traceIdEnd);
    this.ids.push(spanIdStart, spanIdEnd);
    this.traceStates.push(traceStateStart, traceStateEnd);
    this.attributeSpans.push(attributesFrom, this.attributes.length);
    return at;
  }
}
