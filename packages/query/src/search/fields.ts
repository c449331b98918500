/** The tables a search can run on. */
export type Signal = 'traces' | 'logs';

export type ColumnKind = 'string' | 'number' | 'map' | 'datetime';

export interface SignalSchema {
  readonly table: string;
  /** The column a bare term searches (whole-token match on its lower-cased text). */
  readonly textColumn: string;
  readonly columns: ReadonlyMap<string, ColumnKind>;
  /** Attribute maps searched for a dotted name that is not a column, in order. */
  readonly attributeMaps: readonly string[];
  /** Short names users expect, e.g. `service` for ServiceName. */
  readonly aliases: ReadonlyMap<string, string>;
}

const common: Array<[string, ColumnKind]> = [
  ['Timestamp', 'datetime'],
  ['TraceId', 'string'],
  ['SpanId', 'string'],
  ['ServiceName', 'string'],
  ['ResourceAttributes', 'map'],
  ['ScopeName', 'string'],
  ['ScopeVersion', 'string'],
];

export const SCHEMAS: Record<Signal, SignalSchema> = {
  traces: {
    table: 'otel_traces',
    textColumn: 'SpanName',
    columns: new Map<string, ColumnKind>([
      ...common,
      ['ParentSpanId', 'string'],
      ['TraceState', 'string'],
      ['SpanName', 'string'],
      ['SpanKind', 'string'],
      ['SpanAttributes', 'map'],
      ['Duration', 'number'],
      ['StatusCode', 'string'],
      ['StatusMessage', 'string'],
      ['SampleRate', 'number'],
    ]),
    attributeMaps: ['SpanAttributes', 'ResourceAttributes'],
    aliases: new Map([
      ['service', 'ServiceName'],
      ['span', 'SpanName'],
      ['name', 'SpanName'],
      ['duration', 'Duration'],
      ['status', 'StatusCode'],
      ['kind', 'SpanKind'],
      ['trace_id', 'TraceId'],
      ['span_id', 'SpanId'],
      ['parent_span_id', 'ParentSpanId'],
    ]),
  },
  logs: {
    table: 'otel_logs',
    textColumn: 'Body',
    columns: new Map<string, ColumnKind>([
      ...common,
      ['TraceFlags', 'number'],
      ['SeverityText', 'string'],
      ['SeverityNumber', 'number'],
      ['Body', 'string'],
      ['ResourceSchemaUrl', 'string'],
      ['ScopeSchemaUrl', 'string'],
      ['ScopeAttributes', 'map'],
      ['LogAttributes', 'map'],
      ['EventName', 'string'],
    ]),
    attributeMaps: ['LogAttributes', 'ResourceAttributes'],
    aliases: new Map([
      ['service', 'ServiceName'],
      ['level', 'SeverityText'],
      ['severity', 'SeverityText'],
      ['body', 'Body'],
      ['trace_id', 'TraceId'],
      ['span_id', 'SpanId'],
    ]),
  },
};

/** A field as SQL: a known column, or one key of an attribute map. Never user text spliced as SQL. */
export type ResolvedField =
  | {
      readonly kind: 'column';
      readonly column: string;
      readonly type: Exclude<ColumnKind, 'map'>;
      readonly label: string;
    }
  | { readonly kind: 'mapKey'; readonly map: string; readonly key: string; readonly label: string };

/**
 * Which attribute map holds a key. The API can answer from the keys seen in
 * the data; without that knowledge the first map of the signal is used, except
 * for well-known resource keys.
 */
export type AttributeMapResolver = (key: string, maps: readonly string[]) => string;

const RESOURCE_PREFIXES = [
  'service.',
  'host.',
  'k8s.',
  'process.',
  'telemetry.',
  'os.',
  'cloud.',
  'container.',
  'deployment.',
  'faas.',
];

export const defaultAttributeMapResolver: AttributeMapResolver = (key, maps) =>
  maps.length > 1 && RESOURCE_PREFIXES.some((p) => key.startsWith(p)) ? maps[maps.length - 1]! : maps[0]!;

/**
 * Resolves a field name (SEARCH.md): an alias, a column (case-insensitive),
 * `<MapColumn>.<key>` (longest column prefix wins), else an attribute key.
 * Unknown names are attribute keys, never errors.
 */
export function resolveField(
  schema: SignalSchema,
  name: string,
  resolver: AttributeMapResolver,
): ResolvedField {
  // Aliases are lower-case words (`duration`); `Duration` is the column itself.
  const alias = schema.aliases.get(name);
  const columnName = alias ?? findColumn(schema, name);
  if (columnName) {
    const type = schema.columns.get(columnName)!;
    if (type !== 'map') return { kind: 'column', column: columnName, type, label: alias ? name : columnName };
  }
  let best: string | undefined;
  for (const [column, type] of schema.columns) {
    if (type === 'map' && name.startsWith(column + '.') && (!best || column.length > best.length))
      best = column;
  }
  if (best) {
    const key = name.slice(best.length + 1);
    return { kind: 'mapKey', map: best, key, label: `${best}['${key}']` };
  }
  const map = resolver(name, schema.attributeMaps);
  return { kind: 'mapKey', map, key: name, label: `${map}['${name}']` };
}

function findColumn(schema: SignalSchema, name: string): string | undefined {
  if (schema.columns.has(name)) return name;
  const lower = name.toLowerCase();
  for (const column of schema.columns.keys()) if (column.toLowerCase() === lower) return column;
  return undefined;
}
