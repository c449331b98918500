import type { Row } from '../api/api-types.ts';
import { nsBetween, type PreciseInstant } from './format.ts';
import { createInstantParser } from './trace-tree.ts';
import { textOf } from './trace-values.ts';

export type SeverityLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'unknown';

/** A log record of the trace; `offsetNs` is from the trace's start (negative when logged before it). */
export interface TraceLog {
  readonly key: number;
  readonly offsetNs: number;
  readonly timestamp: string;
  readonly severity: string;
  readonly level: SeverityLevel;
  readonly service: string;
  readonly body: string;
  readonly spanId: string;
  readonly row: Row;
}

/** The trace's log rows, by time. */
export function traceLogs(rows: readonly Row[], traceStart: PreciseInstant): TraceLog[] {
  const parse = createInstantParser();
  return rows
    .map((row, key) => {
      const level = severityLevel(row['SeverityNumber'], row['SeverityText']);
      return {
        key,
        offsetNs: nsBetween(traceStart, parse(row['Timestamp'])) || 0,
        timestamp: textOf(row['Timestamp']),
        severity: textOf(row['SeverityText']) || level.toUpperCase(),
        level,
        service: textOf(row['ServiceName']),
        body: textOf(row['Body']),
        spanId: textOf(row['SpanId']),
        row,
      };
    })
    .sort((a, b) => a.offsetNs - b.offsetNs || a.key - b.key);
}

/** OpenTelemetry's severity number ranges (1-4 TRACE ... 21-24 FATAL), else the text. */
export function severityLevel(number: unknown, text: unknown): SeverityLevel {
  const n = Number(number);
  if (n >= 21) return 'fatal';
  if (n >= 17) return 'error';
  if (n >= 13) return 'warn';
  if (n >= 9) return 'info';
  if (n >= 5) return 'debug';
  if (n >= 1) return 'trace';
  const t = textOf(text).toLowerCase();
  if (/fatal|crit|emerg|alert/.test(t)) return 'fatal';
  if (/err/.test(t)) return 'error';
  if (/warn/.test(t)) return 'warn';
  if (/info|notice/.test(t)) return 'info';
  if (/debug/.test(t)) return 'debug';
  if (/trace/.test(t)) return 'trace';
  return 'unknown';
}

/** Mantine colour names per level, so logs look the same in both colour schemes. */
export const LEVEL_COLOURS: Record<SeverityLevel, string> = {
  fatal: 'grape',
  error: 'red',
  warn: 'orange',
  info: 'blue',
  debug: 'gray',
  trace: 'gray',
  unknown: 'gray',
};
