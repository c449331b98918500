import type { DataPointBase, Exemplar, Metric, MetricsData } from '../model/otlp-model.ts';
import { Rejections, TableRowsBuilder, type MappedRequest } from './table-rows.ts';
import {
  attributeValue,
  dateTime,
  float64,
  isValidOptionalId,
  isValidSpanId,
  isValidTraceId,
  mapJson,
} from './value-format.ts';

const COMMON_COLUMNS = [
  'ResourceAttributes',
  'ResourceSchemaUrl',
  'ScopeName',
  'ScopeVersion',
  'ScopeAttributes',
  'ScopeDroppedAttrCount',
  'ScopeSchemaUrl',
  'ServiceName',
  'MetricName',
  'MetricDescription',
  'MetricUnit',
  'Attributes',
  'StartTimeUnix',
  'TimeUnix',
  'Flags',
] as const;

const EXEMPLAR_COLUMNS = [
  'Exemplars.FilteredAttributes',
  'Exemplars.TimeUnix',
  'Exemplars.Value',
  'Exemplars.SpanId',
  'Exemplars.TraceId',
] as const;

export const METRICS_COLUMNS = {
  gauge: [...COMMON_COLUMNS, ...EXEMPLAR_COLUMNS, 'Value'],
  sum: [...COMMON_COLUMNS, ...EXEMPLAR_COLUMNS, 'Value', 'AggregationTemporality', 'IsMonotonic'],
  histogram: [
    ...COMMON_COLUMNS,
    ...EXEMPLAR_COLUMNS,
    'Count',
    'Sum',
    'BucketCounts',
    'ExplicitBounds',
    'Min',
    'Max',
    'AggregationTemporality',
  ],
  exponential_histogram: [
    ...COMMON_COLUMNS,
    ...EXEMPLAR_COLUMNS,
    'Count',
    'Sum',
    'Scale',
    'ZeroCount',
    'PositiveOffset',
    'PositiveBucketCounts',
    'NegativeOffset',
    'NegativeBucketCounts',
    'Min',
    'Max',
    'AggregationTemporality',
  ],
  summary: [...COMMON_COLUMNS, 'Count', 'Sum', 'ValueAtQuantiles.Quantile', 'ValueAtQuantiles.Value'],
} as const;

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
    const resource = mapJson(rg.resource.attributes) + ',' + JSON.stringify(rg.schemaUrl);
    const service = JSON.stringify(attributeValue(rg.resource.attributes, 'service.name'));
    for (const sg of rg.scopes) {
      const scope =
        JSON.stringify(sg.scope.name) +
        ',' +
        JSON.stringify(sg.scope.version) +
        ',' +
        mapJson(sg.scope.attributes) +
        ',' +
        sg.scope.droppedAttributesCount +
        ',' +
        JSON.stringify(sg.schemaUrl) +
        ',' +
        service;
      for (const metric of sg.items) {
        if (metric.type === 'empty') continue;
        const head = resource + ',' + scope + ',' + JSON.stringify(metric.name) + ',' + JSON.stringify(metric.description) + ',' + JSON.stringify(metric.unit);
        const rows = builder(metric.type);
        for (const point of metric.dataPoints) {
          const problem = validatePoint(metric, point);
          if (problem) {
            rejections.add(problem);
            continue;
          }
          rows.push('[' + head + ',' + pointCommon(point) + ',' + pointSpecific(metric, point) + ']\n');
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

function pointCommon(p: DataPointBase): string {
  return mapJson(p.attributes) + ',' + dateTime(p.startTimeUnixNano) + ',' + dateTime(p.timeUnixNano) + ',' + (p.flags >>> 0);
}

function exemplars(list: readonly Exemplar[]): string {
  let attrs = '';
  let times = '';
  let values = '';
  let spans = '';
  let traces = '';
  for (let i = 0; i < list.length; i++) {
    const e = list[i]!;
    const sep = i > 0 ? ',' : '';
    attrs += sep + mapJson(e.filteredAttributes);
    times += sep + dateTime(e.timeUnixNano);
    values += sep + float64(e.value);
    spans += sep + '"' + e.spanId + '"';
    traces += sep + '"' + e.traceId + '"';
  }
  return `[${attrs}],[${times}],[${values}],[${spans}],[${traces}]`;
}

const floats = (xs: readonly number[]) => '[' + xs.map(float64).join(',') + ']';
const uints = (xs: readonly bigint[]) => '[' + xs.join(',') + ']';

function pointSpecific(metric: Metric, point: DataPointBase): string {
  switch (metric.type) {
    case 'gauge': {
      const p = point as (typeof metric.dataPoints)[number];
      return exemplars(p.exemplars) + ',' + float64(p.value);
    }
    case 'sum': {
      const p = point as (typeof metric.dataPoints)[number];
      return exemplars(p.exemplars) + ',' + float64(p.value) + ',' + metric.aggregationTemporality + ',' + metric.isMonotonic;
    }
    case 'histogram': {
      const p = point as (typeof metric.dataPoints)[number];
      return [
        exemplars(p.exemplars),
        p.count.toString(),
        float64(p.sum),
        uints(p.bucketCounts),
        floats(p.explicitBounds),
        float64(p.min),
        float64(p.max),
        metric.aggregationTemporality,
      ].join(',');
    }
    case 'exponential_histogram': {
      const p = point as (typeof metric.dataPoints)[number];
      return [
        exemplars(p.exemplars),
        p.count.toString(),
        float64(p.sum),
        p.scale,
        p.zeroCount.toString(),
        p.positiveOffset,
        uints(p.positiveBucketCounts),
        p.negativeOffset,
        uints(p.negativeBucketCounts),
        float64(p.min),
        float64(p.max),
        metric.aggregationTemporality,
      ].join(',');
    }
    case 'summary': {
      const p = point as (typeof metric.dataPoints)[number];
      return p.count.toString() + ',' + float64(p.sum) + ',' + floats(p.quantiles) + ',' + floats(p.quantileValues);
    }
    default:
      return '';
  }
}
