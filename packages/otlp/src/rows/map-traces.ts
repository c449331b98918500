import type { Span, TracesData } from '../model/otlp-model.ts';
import { encodeFragment } from './row-binary-writer.ts';
import { Rejections, TableRowsBuilder, type Column, type MappedRequest } from './table-rows.ts';
import { attributeValue, isValidOptionalId, isValidSpanId, isValidTraceId, writeMap } from './value-format.ts';

const MAP = 'Map(LowCardinality(String), String)';

export const TRACES_TABLE = 'otel_traces';
export const TRACES_COLUMNS: readonly Column[] = [
  ['Timestamp', 'DateTime64(9)'],
  ['TraceId', 'String'],
  ['SpanId', 'String'],
  ['ParentSpanId', 'String'],
  ['TraceState', 'String'],
  ['SpanName', 'LowCardinality(String)'],
  ['SpanKind', 'LowCardinality(String)'],
  ['ServiceName', 'LowCardinality(String)'],
  ['ResourceAttributes', MAP],
  ['ScopeName', 'String'],
  ['ScopeVersion', 'String'],
  ['SpanAttributes', MAP],
  ['Duration', 'UInt64'],
  ['StatusCode', 'LowCardinality(String)'],
  ['StatusMessage', 'String'],
  ['Events.Timestamp', 'Array(DateTime64(9))'],
  ['Events.Name', 'Array(LowCardinality(String))'],
  ['Events.Attributes', `Array(${MAP})`],
  ['Links.TraceId', 'Array(String)'],
  ['Links.SpanId', 'Array(String)'],
  ['Links.TraceState', 'Array(String)'],
  ['Links.Attributes', `Array(${MAP})`],
];

const SPAN_KIND = ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer'];
const STATUS_CODE = ['Unset', 'Ok', 'Error'];

/** Maps decoded spans to otel_traces rows; invalid spans are rejected and counted. */
export function mapTraces(data: TracesData): MappedRequest {
  const rows = new TableRowsBuilder(TRACES_TABLE, TRACES_COLUMNS);
  const rejections = new Rejections();
  for (const rg of data) {
    // ServiceName and ResourceAttributes are encoded once per resource, copied into each row.
    const service = encodeFragment((w) => w.string(attributeValue(rg.resource.attributes, 'service.name')));
    const resource = encodeFragment((w) => writeMap(w, rg.resource.attributes));
    for (const sg of rg.scopes) {
      const scope = encodeFragment((w) => {
        w.string(sg.scope.name);
        w.string(sg.scope.version);
      });
      for (const span of sg.items) {
        const problem = validateSpan(span);
        if (problem) {
          rejections.add(problem);
          continue;
        }
        writeSpan(rows, span, service, resource, scope);
      }
    }
  }
  return {
    tables: rows.count > 0 ? [rows.build()] : [],
    accepted: rows.count,
    rejected: rejections.count,
    errors: rejections.messages,
  };
}

function validateSpan(span: Span): string | undefined {
  if (!isValidTraceId(span.traceId)) return `span "${span.name}": invalid trace id "${span.traceId}" (expected 16 bytes)`;
  if (!isValidSpanId(span.spanId)) return `span "${span.name}": invalid span id "${span.spanId}" (expected 8 bytes)`;
  if (!isValidOptionalId(span.parentSpanId, isValidSpanId)) {
    return `span "${span.name}": invalid parent span id "${span.parentSpanId}" (expected 8 bytes or empty)`;
  }
  for (const link of span.links) {
    if (!isValidTraceId(link.traceId) || !isValidSpanId(link.spanId)) {
      return `span "${span.name}": link to invalid ids "${link.traceId}"/"${link.spanId}"`;
    }
  }
  return undefined;
}

function writeSpan(rows: TableRowsBuilder, span: Span, service: Buffer, resource: Buffer, scope: Buffer): void {
  const w = rows.w;
  w.dateTime64(span.startTimeUnixNano);
  w.string(span.traceId);
  w.string(span.spanId);
  w.string(span.parentSpanId);
  w.string(span.traceState);
  w.string(span.name);
  w.string(SPAN_KIND[span.kind] ?? 'Unspecified');
  w.raw(service);
  w.raw(resource);
  w.raw(scope);
  writeMap(w, span.attributes);
  w.uint64(span.endTimeUnixNano > span.startTimeUnixNano ? span.endTimeUnixNano - span.startTimeUnixNano : 0n);
  w.string(STATUS_CODE[span.statusCode] ?? 'Unset');
  w.string(span.statusMessage);
  // Events and Links are Nested columns: one array per field.
  w.array(span.events, (e) => w.dateTime64(e.timeUnixNano));
  w.array(span.events, (e) => w.string(e.name));
  w.array(span.events, (e) => writeMap(w, e.attributes));
  w.array(span.links, (l) => w.string(l.traceId));
  w.array(span.links, (l) => w.string(l.spanId));
  w.array(span.links, (l) => w.string(l.traceState));
  w.array(span.links, (l) => writeMap(w, l.attributes));
  rows.count++;
}
