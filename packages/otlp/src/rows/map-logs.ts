import type { LogRecord, LogsData } from '../model/otlp-model.ts';
import { encodeFragment } from './row-binary-writer.ts';
import { Rejections, TableRowsBuilder, type Column, type MappedRequest } from './table-rows.ts';
import { anyValueToString, attributeValue, isValidOptionalId, isValidSpanId, isValidTraceId, writeMap } from './value-format.ts';

const MAP = 'Map(LowCardinality(String), String)';

export const LOGS_TABLE = 'otel_logs';
export const LOGS_COLUMNS: readonly Column[] = [
  ['Timestamp', 'DateTime64(9)'],
  ['TraceId', 'String'],
  ['SpanId', 'String'],
  ['TraceFlags', 'UInt8'],
  ['SeverityText', 'LowCardinality(String)'],
  ['SeverityNumber', 'UInt8'],
  ['ServiceName', 'LowCardinality(String)'],
  ['Body', 'String'],
  ['ResourceSchemaUrl', 'LowCardinality(String)'],
  ['ResourceAttributes', MAP],
  ['ScopeSchemaUrl', 'LowCardinality(String)'],
  ['ScopeName', 'String'],
  ['ScopeVersion', 'LowCardinality(String)'],
  ['ScopeAttributes', MAP],
  ['LogAttributes', MAP],
  ['EventName', 'String'],
];

/** Maps decoded log records to otel_logs rows; invalid records are rejected and counted. */
export function mapLogs(data: LogsData): MappedRequest {
  const rows = new TableRowsBuilder(LOGS_TABLE, LOGS_COLUMNS);
  const rejections = new Rejections();
  for (const rg of data) {
    const service = encodeFragment((w) => w.string(attributeValue(rg.resource.attributes, 'service.name')));
    const resource = encodeFragment((w) => {
      w.string(rg.schemaUrl);
      writeMap(w, rg.resource.attributes);
    });
    for (const sg of rg.scopes) {
      const scope = encodeFragment((w) => {
        w.string(sg.schemaUrl);
        w.string(sg.scope.name);
        w.string(sg.scope.version);
        writeMap(w, sg.scope.attributes);
      });
      for (const log of sg.items) {
        const problem = validateLog(log);
        if (problem) {
          rejections.add(problem);
          continue;
        }
        writeLog(rows, log, service, resource, scope);
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

function validateLog(log: LogRecord): string | undefined {
  if (!isValidOptionalId(log.traceId, isValidTraceId)) return `log record: invalid trace id "${log.traceId}"`;
  if (!isValidOptionalId(log.spanId, isValidSpanId)) return `log record: invalid span id "${log.spanId}"`;
  return undefined;
}

function writeLog(rows: TableRowsBuilder, log: LogRecord, service: Buffer, resource: Buffer, scope: Buffer): void {
  const w = rows.w;
  // SCHEMA.md: the record time, or the observed time when the record time is unset.
  w.dateTime64(log.timeUnixNano !== 0n ? log.timeUnixNano : log.observedTimeUnixNano);
  w.string(log.traceId);
  w.string(log.spanId);
  w.uint8(log.flags & 0xff);
  w.string(log.severityText);
  w.uint8(Math.min(Math.max(log.severityNumber, 0), 255));
  w.raw(service);
  w.string(anyValueToString(log.body));
  w.raw(resource);
  w.raw(scope);
  writeMap(w, log.attributes);
  w.string(log.eventName);
  rows.count++;
}
