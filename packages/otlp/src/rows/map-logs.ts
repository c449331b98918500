import type { LogRecord, LogsData } from '../model/otlp-model.ts';
import { Rejections, TableRowsBuilder, type MappedRequest } from './table-rows.ts';
import { anyValueToString, attributeValue, dateTime64, isValidOptionalId, isValidSpanId, isValidTraceId, mapJson } from './value-format.ts';

export const LOGS_TABLE = 'otel_logs';
export const LOGS_COLUMNS = [
  'Timestamp',
  'TraceId',
  'SpanId',
  'TraceFlags',
  'SeverityText',
  'SeverityNumber',
  'ServiceName',
  'Body',
  'ResourceSchemaUrl',
  'ResourceAttributes',
  'ScopeSchemaUrl',
  'ScopeName',
  'ScopeVersion',
  'ScopeAttributes',
  'LogAttributes',
  'EventName',
] as const;

/** Maps decoded log records to otel_logs rows; invalid records are rejected and counted. */
export function mapLogs(data: LogsData): MappedRequest {
  const rows = new TableRowsBuilder(LOGS_TABLE, LOGS_COLUMNS);
  const rejections = new Rejections();
  for (const rg of data) {
    const resourceJson = JSON.stringify(rg.schemaUrl) + ',' + mapJson(rg.resource.attributes);
    const serviceJson = JSON.stringify(attributeValue(rg.resource.attributes, 'service.name'));
    for (const sg of rg.scopes) {
      const scopeJson =
        JSON.stringify(sg.schemaUrl) +
        ',' +
        JSON.stringify(sg.scope.name) +
        ',' +
        JSON.stringify(sg.scope.version) +
        ',' +
        mapJson(sg.scope.attributes);
      for (const log of sg.items) {
        const problem = validateLog(log);
        if (problem) {
          rejections.add(problem);
          continue;
        }
        rows.push(logRow(log, serviceJson, resourceJson, scopeJson));
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

function logRow(log: LogRecord, serviceJson: string, resourceJson: string, scopeJson: string): string {
  // SCHEMA.md: the record time, or the observed time when the record time is unset.
  const ts = log.timeUnixNano !== 0n ? log.timeUnixNano : log.observedTimeUnixNano;
  return (
    '[' +
    dateTime64(ts) +
    ',"' +
    log.traceId +
    '","' +
    log.spanId +
    '",' +
    (log.flags & 0xff) +
    ',' +
    JSON.stringify(log.severityText) +
    ',' +
    Math.min(Math.max(log.severityNumber, 0), 255) +
    ',' +
    serviceJson +
    ',' +
    JSON.stringify(anyValueToString(log.body)) +
    ',' +
    resourceJson +
    ',' +
    scopeJson +
    ',' +
    mapJson(log.attributes) +
    ',' +
    JSON.stringify(log.eventName) +
    ']\n'
  );
}
