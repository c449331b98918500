/**
 * The decoded OTLP data model shared by the protobuf and JSON decoders.
 * Field names follow OTLP/JSON; values are normalised: ids are lowercase hex
 * (or, when malformed, a string that fails `isValidTraceId`/`isValidSpanId`),
 * 64-bit integers are bigint, enums are numbers.
 */
export type AnyValue = string | boolean | bigint | number | Uint8Array | AnyValue[] | KvList | undefined;

/** A key-value list value (distinct from an array so that it renders as a JSON object). */
export class KvList {
  constructor(readonly values: KeyValue[]) {}
}

export interface KeyValue {
  key: string;
  value: AnyValue;
}

export interface Resource {
  attributes: KeyValue[];
}

export interface Scope {
  name: string;
  version: string;
  attributes: KeyValue[];
  droppedAttributesCount: number;
}

export interface SpanEvent {
  timeUnixNano: bigint;
  name: string;
  attributes: KeyValue[];
}

export interface SpanLink {
  traceId: string;
  spanId: string;
  traceState: string;
  attributes: KeyValue[];
}

export interface Span {
  traceId: string;
  spanId: string;
  traceState: string;
  parentSpanId: string;
  name: string;
  kind: number;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: KeyValue[];
  events: SpanEvent[];
  links: SpanLink[];
  statusCode: number;
  statusMessage: string;
}

export interface LogRecord {
  timeUnixNano: bigint;
  observedTimeUnixNano: bigint;
  severityNumber: number;
  severityText: string;
  body: AnyValue;
  attributes: KeyValue[];
  flags: number;
  traceId: string;
  spanId: string;
  eventName: string;
}

export interface Exemplar {
  filteredAttributes: KeyValue[];
  timeUnixNano: bigint;
  value: number;
  spanId: string;
  traceId: string;
}

/** Fields every metric data point has. */
export interface DataPointBase {
  attributes: KeyValue[];
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  flags: number;
  exemplars: Exemplar[];
}

export interface NumberDataPoint extends DataPointBase {
  value: number;
}

export interface HistogramDataPoint extends DataPointBase {
  count: bigint;
  sum: number;
  bucketCounts: bigint[];
  explicitBounds: number[];
  min: number;
  max: number;
}

export interface ExponentialHistogramDataPoint extends DataPointBase {
  count: bigint;
  sum: number;
  scale: number;
  zeroCount: bigint;
  positiveOffset: number;
  positiveBucketCounts: bigint[];
  negativeOffset: number;
  negativeBucketCounts: bigint[];
  min: number;
  max: number;
}

export interface SummaryDataPoint extends DataPointBase {
  count: bigint;
  sum: number;
  quantiles: number[];
  quantileValues: number[];
}

export type Metric = {
  name: string;
  description: string;
  unit: string;
} & (
  | { type: 'gauge'; dataPoints: NumberDataPoint[] }
  | { type: 'sum'; dataPoints: NumberDataPoint[]; aggregationTemporality: number; isMonotonic: boolean }
  | { type: 'histogram'; dataPoints: HistogramDataPoint[]; aggregationTemporality: number }
  | { type: 'exponential_histogram'; dataPoints: ExponentialHistogramDataPoint[]; aggregationTemporality: number }
  | { type: 'summary'; dataPoints: SummaryDataPoint[] }
  | { type: 'empty'; dataPoints: [] }
);

export interface ScopeGroup<T> {
  scope: Scope;
  schemaUrl: string;
  items: T[];
}

export interface ResourceGroup<T> {
  resource: Resource;
  schemaUrl: string;
  scopes: ScopeGroup<T>[];
}

export type TracesData = ResourceGroup<Span>[];
export type LogsData = ResourceGroup<LogRecord>[];
export type MetricsData = ResourceGroup<Metric>[];

export function emptyScope(): Scope {
  return { name: '', version: '', attributes: [], droppedAttributesCount: 0 };
}
