import { transcodeTracesProto } from './proto/transcode-traces.ts';
import { decodeLogsProto } from './proto/decode-logs.ts';
import { decodeMetricsProto } from './proto/decode-metrics.ts';
import { decodeTracesJson } from './json/decode-traces-json.ts';
import { decodeLogsJson } from './json/decode-logs-json.ts';
import { decodeMetricsJson } from './json/decode-metrics-json.ts';
import { mapTraces } from './rows/map-traces.ts';
import { mapLogs } from './rows/map-logs.ts';
import { mapMetrics } from './rows/map-metrics.ts';
import type { MappedRequest } from './rows/table-rows.ts';

export type Signal = 'traces' | 'logs' | 'metrics';
export type Encoding = 'protobuf' | 'json';

/**
 * Decodes one OTLP export request body and maps it to table rows.
 * Throws DecodeError when the body is malformed (nothing of it is stored);
 * invalid records inside a well-formed body are rejected and counted instead.
 */
export function decodeRequest(signal: Signal, encoding: Encoding, body: Buffer): MappedRequest {
  switch (signal) {
    case 'traces':
      // Protobuf traces are the hot path: transcoded straight to rows (see transcode-traces.ts).
      return encoding === 'protobuf' ? transcodeTracesProto(body) : mapTraces(decodeTracesJson(body));
    case 'logs':
      return mapLogs(encoding === 'protobuf' ? decodeLogsProto(body) : decodeLogsJson(body));
    case 'metrics':
      return mapMetrics(encoding === 'protobuf' ? decodeMetricsProto(body) : decodeMetricsJson(body));
  }
}
