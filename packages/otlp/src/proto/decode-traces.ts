import { ProtoReader, WIRE_FIXED32, WIRE_FIXED64, WIRE_LEN, WIRE_VARINT, expectWire, readMessage } from '../wire/proto-reader.ts';
import type { Span, SpanEvent, SpanLink, TracesData } from '../model/otlp-model.ts';
import { decodeEnvelope, pushKeyValue } from './decode-common.ts';

/** Decodes an ExportTraceServiceRequest. Throws DecodeError on malformed input. */
export function decodeTracesProto(buf: Buffer): TracesData {
  return decodeEnvelope(buf, 'Spans', decodeSpan);
}

function decodeSpan(r: ProtoReader, end: number): Span {
  const span: Span = {
    traceId: '',
    spanId: '',
    traceState: '',
    parentSpanId: '',
    name: '',
    kind: 0,
    startTimeUnixNano: 0n,
    endTimeUnixNano: 0n,
    attributes: [],
    events: [],
    links: [],
    statusCode: 0,
    statusMessage: '',
  };
  readMessage(r, end, (field, wire) => {
    switch (field) {
      case 1:
        expectWire(wire, WIRE_LEN, 'Span.trace_id');
        span.traceId = r.hex();
        break;
      case 2:
        expectWire(wire, WIRE_LEN, 'Span.span_id');
        span.spanId = r.hex();
        break;
      case 3:
        expectWire(wire, WIRE_LEN, 'Span.trace_state');
        span.traceState = r.string();
        break;
      case 4:
        expectWire(wire, WIRE_LEN, 'Span.parent_span_id');
        span.parentSpanId = r.hex();
        break;
      case 5:
        expectWire(wire, WIRE_LEN, 'Span.name');
        span.name = r.string();
        break;
      case 6:
        expectWire(wire, WIRE_VARINT, 'Span.kind');
        span.kind = r.varintNumber();
        break;
      case 7:
        expectWire(wire, WIRE_FIXED64, 'Span.start_time_unix_nano');
        span.startTimeUnixNano = r.fixed64();
        break;
      case 8:
        expectWire(wire, WIRE_FIXED64, 'Span.end_time_unix_nano');
        span.endTimeUnixNano = r.fixed64();
        break;
      case 9:
        pushKeyValue(r, wire, span.attributes, 'Span.attributes');
        break;
      case 11:
        expectWire(wire, WIRE_LEN, 'Span.events');
        span.events.push(decodeEvent(r, r.lenEnd()));
        break;
      case 13:
        expectWire(wire, WIRE_LEN, 'Span.links');
        span.links.push(decodeLink(r, r.lenEnd()));
        break;
      case 15:
        expectWire(wire, WIRE_LEN, 'Span.status');
        readMessage(r, r.lenEnd(), (f, w) => {
          if (f === 2) {
            expectWire(w, WIRE_LEN, 'Status.message');
            span.statusMessage = r.string();
          } else if (f === 3) {
            expectWire(w, WIRE_VARINT, 'Status.code');
            span.statusCode = r.varintNumber();
          } else r.skip(w);
        });
        break;
      case 16:
        expectWire(wire, WIRE_FIXED32, 'Span.flags');
        r.fixed32();
        break;
      default:
        r.skip(wire);
    }
  });
  return span;
}

function decodeEvent(r: ProtoReader, end: number): SpanEvent {
  const event: SpanEvent = { timeUnixNano: 0n, name: '', attributes: [] };
  readMessage(r, end, (field, wire) => {
    if (field === 1) {
      expectWire(wire, WIRE_FIXED64, 'Span.Event.time_unix_nano');
      event.timeUnixNano = r.fixed64();
    } else if (field === 2) {
      expectWire(wire, WIRE_LEN, 'Span.Event.name');
      event.name = r.string();
    } else if (field === 3) pushKeyValue(r, wire, event.attributes, 'Span.Event.attributes');
    else r.skip(wire);
  });
  return event;
}

function decodeLink(r: ProtoReader, end: number): SpanLink {
  const link: SpanLink = { traceId: '', spanId: '', traceState: '', attributes: [] };
  readMessage(r, end, (field, wire) => {
    if (field === 1) {
      expectWire(wire, WIRE_LEN, 'Span.Link.trace_id');
      link.traceId = r.hex();
    } else if (field === 2) {
      expectWire(wire, WIRE_LEN, 'Span.Link.span_id');
      link.spanId = r.hex();
    } else if (field === 3) {
      expectWire(wire, WIRE_LEN, 'Span.Link.trace_state');
      link.traceState = r.string();
    } else if (field === 4) pushKeyValue(r, wire, link.attributes, 'Span.Link.attributes');
    else r.skip(wire);
  });
  return link;
}
