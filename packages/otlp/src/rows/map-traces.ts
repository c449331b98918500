import type { Span, TracesData } from '../model/otlp-model.ts';
import { Rejections, TableRowsBuilder, type MappedRequest } from './table-rows.ts';
import {
  attributeValue,
  dateTime64,
  isValidOptionalId,
  isValidSpanId,
  isValidTraceId,
  mapJson,
} from './value-format.ts';

export const TRACES_TABLE = 'otel_traces';
export const TRACES_COLUMNS = [
  'Timestamp',
  'TraceId',
  'SpanId',
  'ParentSpanId',
  'TraceState',
  'SpanName',
  'SpanKind',
  'ServiceName',
  'ResourceAttributes',
  'ScopeName',
  'ScopeVersion',
  'SpanAttributes',
  'Duration',
  'StatusCode',
  'StatusMessage',
  'Events.Timestamp',
  'Events.Name',
  'Events.Attributes',
  'Links.TraceId',
  'Links.SpanId',
  'Links.TraceState',
  'Links.Attributes',
] as const;

const SPAN_KIND = ['"Unspecified"', '"Internal"', '"Server"', '"Client"', '"Producer"', '"Consumer"'];
const STATUS_CODE = ['"Unset"', '"Ok"', '"Error"'];

/** Maps decoded spans to otel_traces rows; invalid spans are rejected and counted. */
export function mapTraces(data: TracesData): MappedRequest {
  const rows = new TableRowsBuilder(TRACES_TABLE, TRACES_COLUMNS);
  const rejections = new Rejections();
  for (const rg of data) {
    const resourceJson = mapJson(rg.resource.attributes);
    const serviceJson = JSON.stringify(attributeValue(rg.resource.attributes, 'service.name'));
    for (const sg of rg.scopes) {
      const scopeJson = JSON.stringify(sg.scope.name) + ',' + JSON.stringify(sg.scope.version);
      for (const span of sg.items) {
        const problem = validateSpan(span);
        if (problem) {
          rejections.add(problem);
          continue;
        }
        rows.push(spanRow(span, serviceJson, resourceJson, scopeJson));
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

function spanRow(span: Span, serviceJson: string, resourceJson: string, scopeJson: string): string {
  const duration = span.endTimeUnixNano > span.startTimeUnixNano ? span.endTimeUnixNano - span.startTimeUnixNano : 0n;
  let eventTimes = '';
  let eventNames = '';
  let eventAttrs = '';
  for (let i = 0; i < span.events.length; i++) {
    const e = span.events[i]!;
    const sep = i > 0 ? ',' : '';
    eventTimes += sep + dateTime64(e.timeUnixNano);
    eventNames += sep + JSON.stringify(e.name);
    eventAttrs += sep + mapJson(e.attributes);
  }
  let linkTraces = '';
  let linkSpans = '';
  let linkStates = '';
  let linkAttrs = '';
  for (let i = 0; i < span.links.length; i++) {
    const l = span.links[i]!;
    const sep = i > 0 ? ',' : '';
    linkTraces += sep + '"' + l.traceId + '"';
    linkSpans += sep + '"' + l.spanId + '"';
    linkStates += sep + JSON.stringify(l.traceState);
    linkAttrs += sep + mapJson(l.attributes);
  }
  return (
    '[' +
    dateTime64(span.startTimeUnixNano) +
    ',"' +
    span.traceId +
    '","' +
    span.spanId +
    '","' +
    span.parentSpanId +
    '",' +
    JSON.stringify(span.traceState) +
    ',' +
    JSON.stringify(span.name) +
    ',' +
    (SPAN_KIND[span.kind] ?? '"Unspecified"') +
    ',' +
    serviceJson +
    ',' +
    resourceJson +
    ',' +
    scopeJson +
    ',' +
    mapJson(span.attributes) +
    ',' +
    duration.toString() +
    ',' +
    (STATUS_CODE[span.statusCode] ?? '"Unset"') +
    ',' +
    JSON.stringify(span.statusMessage) +
    ',[' +
    eventTimes +
    '],[' +
    eventNames +
    '],[' +
    eventAttrs +
    '],[' +
    linkTraces +
    '],[' +
    linkSpans +
    '],[' +
    linkStates +
    '],[' +
    linkAttrs +
    ']]\n'
  );
}
