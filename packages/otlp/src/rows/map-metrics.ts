import type {
  DataPointBase,
  Exemplar,
  ExponentialHistogramDataPoint,
  HistogramDataPoint,
  Metric,
  MetricsData,
  NumberDataPoint,
  SummaryDataPoint,
} from '../model/otlp-model.ts';
import { encodeFragment, type RowBinaryWriter } from './row-binary-writer.ts';
import { Rejections, TableRowsBuilder, type Column, type MappedRequest } from './table-rows.ts';
import { attributeValue, isValidOptionalId, isValidSpanId, isValidTraceId, writeMap } from './value-format.ts';

const MAP = 'Map(LowCardinality(String), String)';

const COMMON: readonly Column[] = [
  ['ResourceAttributes', MAP],
  ['ResourceSchemaUrl', 'String'],
  ['ScopeName', 'String'],
  ['ScopeVersion', 'String'],
  ['ScopeAttributes', MAP],
  ['ScopeDroppedAttrCount', 'UInt32'],
  ['ScopeSchemaUrl', 'String'],
  ['ServiceName', 'LowCardinality(String)'],
  ['MetricName', 'LowCardinality(String)'],
  ['MetricDescription', 'String'],
  ['MetricUnit', 'String'],
  ['Attributes', MAP],
  ['StartTimeUnix', 'DateTime'],
  ['TimeUnix', 'DateTime'],
  ['Flags', 'UInt32'],
];

const EXEMPLARS: readonly Column[] = [
  ['Exemplars.FilteredAttributes', `Array(${MAP})`],
  ['Exemplars.TimeUnix', 'Array(DateTime)'],
  ['Exemplars.Value', 'Array(Float64)'],
  ['Exemplars.SpanId', 'Array(String)'],
  ['Exemplars.TraceId', 'Array(String)'],
];

export const METRICS_COLUMNS = {
  gauge: [...COMMON, ...EXEMPLARS, ['Value', 'Float64']],
  sum: [...COMMON, ...EXEMPLARS, ['Value', 'Float64'], ['AggregationTemporality', 'Int32'], ['IsMonotonic', 'Bool']],
  histogram: [
    ...COMMON,
    ...EXEMPLARS,
    ['Count', 'UInt64'],
    ['Sum', 'Float64'],
    ['BucketCounts', 'Array(UInt64)'],
    ['ExplicitBounds', 'Array(Float64)'],
    ['Min', 'Float64'],
    ['Max', 'Float64'],
    ['AggregationTemporality', 'Int32'],
  ],
  exponential_histogram: [
    ...COMMON,
    ...EXEMPLARS,
    ['Count', 'UInt64'],
    ['Sum', 'Float64'],
    ['Scale', 'Int32'],
    ['ZeroCount', 'UInt64'],
    ['PositiveOffset', 'Int32'],
    ['PositiveBucketCounts', 'Array(UInt64)'],
    ['NegativeOffset', 'Int32'],
    ['NegativeBucketCounts', 'Array(UInt64)'],
    ['Min', 'Float64'],
    ['Max', 'Float64'],
    ['AggregationTemporality', 'Int32'],
  ],
  summary: [
    ...COMMON,
    ['Count', 'UInt64'],
    ['Sum', 'Float64'],
    ['ValueAtQuantiles.Quantile', 'Array(Float64)'],
    ['ValueAtQuantiles.Value', 'Array(Float64)'],
  ],
} satisfies Record<string, readonly Column[]>;

type Kind = keyof typeof METRICS_COLUMNS;

/** Maps decoded metrics to otel_metrics_* rows, one table per metric type; invalid points are rejected. */
export function mapMetrics(data: MetricsData): MappedRequest {
  const builders = new Map<Kind, TableRowsBuilder>();
  const builder = (kind: Kind) => {
    let b = builders.get(kind);
    if (!b) builders.set(kind, (b = new TableRowsBuilder(`otel_metrics_${kind}`, METRICS_COLUMNS[kind])));
    return b;
  };
  const rejections = new Rejections();
  for (const rg of data) {
    const serviceName = attributeValue(rg.resource.attributes, 'service.name');
    for (const sg of rg.scopes) {
      const head = encodeFragment((w) => {
        writeMap(w, rg.resource.attributes);
        w.string(rg.schemaUrl);
        w.string(sg.scope.name);
        w.string(sg.scope.version);
        writeMap(w, sg.scope.attributes);
        w.uint32(sg.scope.droppedAttributesCount);
        w.string(sg.schemaUrl);
        w.string(serviceName);
      });
      for (const metric of sg.items) {
        if (metric.type === 'empty') continue;
        const metricHead = encodeFragment((w) => {
          w.raw(head);
          w.string(metric.name);
          w.string(metric.description);
          w.string(metric.unit);
        });
        const rows = builder(metric.type);
        for (const point of metric.dataPoints) {
          const problem = validatePoint(metric, point);
          if (problem) {
            rejections.add(problem);
            continue;
          }
          rows.w.raw(metricHead);
          writePointCommon(rows.w, point);
          writePointSpecific(rows.w, metric, point);
          rows.count++;
        }
      }
    }
  }
  const tables = [...builders.values()].filter((b) => b.count > 0).map((b) => b.build());
  return {
    tables,
    accepted: tables.reduce((n, t) => n + t.count, 0),
    rejected: rejections.count,
    errors: rejections.messages,
  };
}

function validatePoint(metric: Metric, point: DataPointBase): string | undefined {
  for (const e of point.exemplars) {
    if (!isValidOptionalId(e.traceId, isValidTraceId) || !isValidOptionalId(e.spanId, isValidSpanId)) {
      return `metric "${metric.name}": exemplar with invalid ids "${e.traceId}"/"${e.spanId}"`;
    }
  }
  return undefined;
}

function writePointCommon(w: RowBinaryWriter, p: DataPointBase): void {
  writeMap(w, p.attributes);
  w.dateTime(p.startTimeUnixNano);
  w.dateTime(p.timeUnixNano);
  w.uint32(p.flags);
}

function writeExemplars(w: RowBinaryWriter, list: readonly Exemplar[]): void {
  w.array(list, (e) => writeMap(w, e.filteredAttributes));
  w.array(list, (e) => w.dateTime(e.timeUnixNano));
  w.array(list, (e) => w.float64(e.value));
  w.array(list, (e) => w.string(e.spanId));
  w.array(list, (e) => w.string(e.traceId));
}

function writeFloats(w: RowBinaryWriter, xs: readonly number[]): void {
  w.array(xs, (x) => w.float64(x));
}

function writeUints(w: RowBinaryWriter, xs: readonly bigint[]): void {
  w.array(xs, (x) => w.uint64(x));
}

function writePointSpecific(w: RowBinaryWriter, metric: Metric, point: DataPointBase): void {
  switch (metric.type) {
    case 'gauge': {
      const p = point as NumberDataPoint;
      writeExemplars(w, p.exemplars);
      w.float64(p.value);
      return;
    }
    case 'sum': {
      const p = point as NumberDataPoint;
      writeExemplars(w, p.exemplars);
      w.float64(p.value);
      w.int32(metric.aggregationTemporality);
      w.bool(metric.isMonotonic);
      return;
    }
    case 'histogram': {
      const p = point as HistogramDataPoint;
      writeExemplars(w, p.exemplars);
      w.uint64(p.count);
      w.float64(p.sum);
      writeUints(w, p.bucketCounts);
      writeFloats(w, p.explicitBounds);
      w.float64(p.min);
      w.float64(p.max);
      w.int32(metric.aggregationTemporality);
      return;
    }
    case 'exponential_histogram': {
      const p = point as ExponentialHistogramDataPoint;
      writeExemplars(w, p.exemplars);
      w.uint64(p.count);
      w.float64(p.sum);
      w.int32(p.scale);
      w.uint64(p.zeroCount);
      w.int32(p.positiveOffset);
      writeUints(w, p.positiveBucketCounts);
      w.int32(p.negativeOffset);
      writeUints(w, p.negativeBucketCounts);
      w.float64(p.min);
      w.float64(p.max);
      w.int32(metric.aggregationTemporality);
      return;
    }
    case 'summary': {
      const p = point as SummaryDataPoint;
      w.uint64(p.count);
      w.float64(p.sum);
      writeFloats(w, p.quantiles);
      writeFloats(w, p.quantileValues);
      return;
    }
    default:
      return;
  }
}
