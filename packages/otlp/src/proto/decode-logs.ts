import { ProtoReader, WIRE_FIXED32, WIRE_FIXED64, WIRE_LEN, WIRE_VARINT, expectWire, readMessage } from '../wire/proto-reader.ts';
import type { LogRecord, LogsData } from '../model/otlp-model.ts';
import { decodeAnyValue, decodeEnvelope, pushKeyValue } from './decode-common.ts';

/** Decodes an ExportLogsServiceRequest. Throws DecodeError on malformed input. */
export function decodeLogsProto(buf: Buffer): LogsData {
  return decodeEnvelope(buf, 'Logs', decodeLogRecord);
}

function decodeLogRecord(r: ProtoReader, end: number): LogRecord {
  const log: LogRecord = {
    timeUnixNano: 0n,
    observedTimeUnixNano: 0n,
    severityNumber: 0,
    severityText: '',
    body: undefined,
    attributes: [],
    flags: 0,
    traceId: '',
    spanId: '',
    eventName: '',
  };
  readMessage(r, end, (field, wire) => {
    switch (field) {
      case 1:
        expectWire(wire, WIRE_FIXED64, 'LogRecord.time_unix_nano');
        log.timeUnixNano = r.fixed64();
        break;
      case 11:
        expectWire(wire, WIRE_FIXED64, 'LogRecord.observed_time_unix_nano');
        log.observedTimeUnixNano = r.fixed64();
        break;
      case 2:
        expectWire(wire, WIRE_VARINT, 'LogRecord.severity_number');
        log.severityNumber = r.varintNumber();
        break;
      case 3:
        expectWire(wire, WIRE_LEN, 'LogRecord.severity_text');
        log.severityText = r.string();
        break;
      case 5:
        expectWire(wire, WIRE_LEN, 'LogRecord.body');
        log.body = decodeAnyValue(r, r.lenEnd());
        break;
      case 6:
        pushKeyValue(r, wire, log.attributes, 'LogRecord.attributes');
        break;
      case 8:
        expectWire(wire, WIRE_FIXED32, 'LogRecord.flags');
        log.flags = r.fixed32();
        break;
      case 9:
        expectWire(wire, WIRE_LEN, 'LogRecord.trace_id');
        log.traceId = r.hex();
        break;
      case 10:
        expectWire(wire, WIRE_LEN, 'LogRecord.span_id');
        log.spanId = r.hex();
        break;
      case 12:
        expectWire(wire, WIRE_LEN, 'LogRecord.event_name');
        log.eventName = r.string();
        break;
      default:
        r.skip(wire);
    }
  });
  return log;
}
