import type { Row, Signal } from '../api/api-types.ts';
import { displayText } from './format.ts';

/** The attribute maps of each signal, in the order a dotted field name is looked up (as the search language does). */
export const ATTRIBUTE_MAPS: Record<Signal, readonly string[]> = {
  traces: ['SpanAttributes', 'ResourceAttributes'],
  logs: ['LogAttributes', 'ResourceAttributes'],
};

export const DEFAULT_COLUMNS: Record<Signal, readonly string[]> = {
  traces: ['Timestamp', 'ServiceName', 'SpanName', 'Duration', 'StatusCode'],
  logs: ['Timestamp', 'ServiceName', 'SeverityText', 'Body'],
};

/** A row's value of a column or of an attribute key (`http.route`, or `ResourceAttributes.host.name`). */
export function rowValue(row: Row, column: string, signal: Signal): unknown {
  if (column in row) return row[column];
  for (const map of ATTRIBUTE_MAPS[signal]) {
    const prefix = `${map}.`;
    if (column.startsWith(prefix))
      return (row[map] as Record<string, unknown> | undefined)?.[column.slice(prefix.length)];
  }
  for (const map of ATTRIBUTE_MAPS[signal]) {
    const value = (row[map] as Record<string, unknown> | undefined)?.[column];
    if (value !== undefined) return value;
  }
  return undefined;
}

/** A row's key for React: span ids are unique per trace; logs have no id, so time and position stand in. */
export function rowKey(row: Row, index: number): string {
  return `${displayText(row['Timestamp'])}:${displayText(row['SpanId'])}:${index}`;
}

/** Every field of a row as [field, value] pairs, maps flattened as `Map.key`, for the row drawer. */
export function flattenRow(row: Row): Array<{ group: string; field: string; key: string; value: string }> {
  const out: Array<{ group: string; field: string; key: string; value: string }> = [];
  for (const [column, value] of Object.entries(row)) {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        out.push({ group: column, field: k, key: `${column}.${k}`, value: String(v) });
      }
    } else {
      out.push({
        group: 'Fields',
        field: column,
        key: column,
        value: displayText(value),
      });
    }
  }
  return out;
}

/** The search field that matches a drawer entry: attribute keys are searched by their bare name (first map wins), others by column. */
export function searchFieldFor(group: string, field: string, signal: Signal): string {
  if (group === 'Fields') return field;
  return group === ATTRIBUTE_MAPS[signal][0] ? field : `${group}.${field}`;
}
