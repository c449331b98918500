import type { Row } from '../src/api/api-types.ts';

/** 2026-11-26T11:20:38Z: large enough that epoch nanoseconds do not fit a double. */
const BASE_SECONDS = Date.UTC(2026, 10, 26, 11, 20, 38) / 1000;

/** The API's Timestamp form for BASE + offsetNs (an integer, exact). */
export function isoAt(offsetNs: number): string {
  const seconds = BASE_SECONDS + Math.floor(offsetNs / 1e9);
  const nanos = offsetNs - Math.floor(offsetNs / 1e9) * 1e9;
  return new Date(seconds * 1000).toISOString().slice(0, 19) + '.' + String(nanos).padStart(9, '0') + 'Z';
}

const MS = 1e6;

/** A span row as GET /api/v1/traces/:id returns it; times in milliseconds from BASE. */
export function spanRow(
  id: string,
  parent: string,
  startMs: number,
  durationMs: number,
  extra: Row = {},
): Row {
  return {
    Timestamp: isoAt(Math.round(startMs * MS)),
    TraceId: '0af7651916cd43dd8448eb211c80319c',
    SpanId: id,
    ParentSpanId: parent,
    SpanName: `op ${id}`,
    SpanKind: 'Internal',
    ServiceName: 'svc',
    ResourceAttributes: {},
    SpanAttributes: {},
    Duration: String(Math.round(durationMs * MS)),
    StatusCode: 'Unset',
    StatusMessage: '',
    'Events.Timestamp': [],
    'Events.Name': [],
    'Events.Attributes': [],
    'Links.TraceId': [],
    'Links.SpanId': [],
    'Links.TraceState': [],
    'Links.Attributes': [],
    ...extra,
  };
}
