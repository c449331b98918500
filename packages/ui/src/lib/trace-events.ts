import type { Row } from '../api/api-types.ts';
import { nsBetween, parsePreciseInstant } from './format.ts';
import { textOf } from './trace-values.ts';

/** A span event; `offsetNs` is from the span's start. */
export interface SpanEvent {
  readonly name: string;
  readonly offsetNs: number;
  readonly timestamp: string;
  readonly attributes: Readonly<Record<string, string>>;
}

/** An `exception` event, read by the OpenTelemetry semantic conventions. */
export interface SpanException {
  readonly type: string;
  readonly message: string;
  readonly stacktrace: string;
  readonly offsetNs: number;
}

export interface SpanLink {
  readonly traceId: string;
  readonly spanId: string;
  readonly traceState: string;
  readonly attributes: Readonly<Record<string, string>>;
}

/** The events of a span row (the Events.* columns are parallel arrays), by time. */
export function spanEvents(row: Row): SpanEvent[] {
  const times = list(row['Events.Timestamp']);
  const names = list(row['Events.Name']);
  const attributes = list(row['Events.Attributes']);
  const start = parsePreciseInstant(row['Timestamp']);
  return times
    .map((t, i) => ({
      name: textOf(names[i]),
      timestamp: String(t),
      offsetNs: nsBetween(start, parsePreciseInstant(t)) || 0,
      attributes: stringMap(attributes[i]),
    }))
    .sort((a, b) => a.offsetNs - b.offsetNs);
}

export function spanExceptions(events: readonly SpanEvent[]): SpanException[] {
  return events
    .filter((e) => e.name === 'exception')
    .map((e) => ({
      type: e.attributes['exception.type'] ?? '',
      message: e.attributes['exception.message'] ?? '',
      stacktrace: e.attributes['exception.stacktrace'] ?? '',
      offsetNs: e.offsetNs,
    }));
}

export function spanLinks(row: Row): SpanLink[] {
  const traceIds = list(row['Links.TraceId']);
  const spanIds = list(row['Links.SpanId']);
  const states = list(row['Links.TraceState']);
  const attributes = list(row['Links.Attributes']);
  return traceIds.map((traceId, i) => ({
    traceId: String(traceId),
    spanId: textOf(spanIds[i]),
    traceState: textOf(states[i]),
    attributes: stringMap(attributes[i]),
  }));
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function stringMap(value: unknown): Record<string, string> {
  if (!value || typeof value !== 'object') return {};
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));
}
