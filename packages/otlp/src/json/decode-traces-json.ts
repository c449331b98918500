import type { Span, TracesData } from '../model/otlp-model.ts';
import { array, decodeEnvelopeJson, enumValue, field, hexId, keyValues, object, string, uint64 } from './json-reader.ts';

const SPAN_KINDS = [
  'SPAN_KIND_UNSPECIFIED',
  'SPAN_KIND_INTERNAL',
  'SPAN_KIND_SERVER',
  'SPAN_KIND_CLIENT',
  'SPAN_KIND_PRODUCER',
  'SPAN_KIND_CONSUMER',
];
const STATUS_CODES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];

/** Decodes an ExportTraceServiceRequest in OTLP/JSON. Throws DecodeError on malformed input. */
export function decodeTracesJson(body: Buffer): TracesData {
  return decodeEnvelopeJson(body, { resource: 'resourceSpans', scope: 'scopeSpans', items: 'spans' }, decodeSpan);
}

function decodeSpan(v: unknown, path: string): Span {
  const o = object(v, path);
  const status = object(o.status, `${path}.status`);
  return {
    traceId: hexId(field(o, 'traceId'), `${path}.traceId`),
    spanId: hexId(field(o, 'spanId'), `${path}.spanId`),
    traceState: string(field(o, 'traceState'), `${path}.traceState`),
    parentSpanId: hexId(field(o, 'parentSpanId'), `${path}.parentSpanId`),
    name: string(o.name, `${path}.name`),
    kind: enumValue(o.kind, `${path}.kind`, SPAN_KINDS),
    startTimeUnixNano: uint64(field(o, 'startTimeUnixNano'), `${path}.startTimeUnixNano`),
    endTimeUnixNano: uint64(field(o, 'endTimeUnixNano'), `${path}.endTimeUnixNano`),
    attributes: keyValues(o.attributes, `${path}.attributes`),
    events: array(o.events, `${path}.events`).map((ev, i) => {
      const p = `${path}.events[${i}]`;
      const e = object(ev, p);
      return {
        timeUnixNano: uint64(field(e, 'timeUnixNano'), `${p}.timeUnixNano`),
        name: string(e.name, `${p}.name`),
        attributes: keyValues(e.attributes, `${p}.attributes`),
      };
    }),
    links: array(o.links, `${path}.links`).map((lv, i) => {
      const p = `${path}.links[${i}]`;
      const l = object(lv, p);
      return {
        traceId: hexId(field(l, 'traceId'), `${p}.traceId`),
        spanId: hexId(field(l, 'spanId'), `${p}.spanId`),
        traceState: string(field(l, 'traceState'), `${p}.traceState`),
        attributes: keyValues(l.attributes, `${p}.attributes`),
      };
    }),
    statusCode: enumValue(status.code, `${path}.status.code`, STATUS_CODES),
    statusMessage: string(status.message, `${path}.status.message`),
  };
}
