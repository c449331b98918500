import type { LogRecord, LogsData } from '../model/otlp-model.ts';
import { anyValue, decodeEnvelopeJson, enumValue, field, hexId, keyValues, number, object, string, uint64 } from './json-reader.ts';

/** Decodes an ExportLogsServiceRequest in OTLP/JSON. Throws DecodeError on malformed input. */
export function decodeLogsJson(body: Buffer): LogsData {
  return decodeEnvelopeJson(body, { resource: 'resourceLogs', scope: 'scopeLogs', items: 'logRecords' }, decodeLog);
}

function decodeLog(v: unknown, path: string): LogRecord {
  const o = object(v, path);
  return {
    timeUnixNano: uint64(field(o, 'timeUnixNano'), `${path}.timeUnixNano`),
    observedTimeUnixNano: uint64(field(o, 'observedTimeUnixNano'), `${path}.observedTimeUnixNano`),
    severityNumber: enumValue(field(o, 'severityNumber'), `${path}.severityNumber`, SEVERITY_NUMBERS),
    severityText: string(field(o, 'severityText'), `${path}.severityText`),
    body: o.body === undefined ? undefined : anyValue(o.body, `${path}.body`),
    attributes: keyValues(o.attributes, `${path}.attributes`),
    flags: number(o.flags, `${path}.flags`),
    traceId: hexId(field(o, 'traceId'), `${path}.traceId`),
    spanId: hexId(field(o, 'spanId'), `${path}.spanId`),
    eventName: string(field(o, 'eventName'), `${path}.eventName`),
  };
}

const SEVERITY_NUMBERS = ['UNSPECIFIED', 'TRACE', 'TRACE2', 'TRACE3', 'TRACE4', 'DEBUG', 'DEBUG2', 'DEBUG3', 'DEBUG4',
  'INFO', 'INFO2', 'INFO3', 'INFO4', 'WARN', 'WARN2', 'WARN3', 'WARN4', 'ERROR', 'ERROR2', 'ERROR3', 'ERROR4',
  'FATAL', 'FATAL2', 'FATAL3', 'FATAL4'].map((n) => `SEVERITY_NUMBER_${n}`);
