import { DecodeError } from '../wire/proto-reader.ts';
import type { DataPointBase, Exemplar, Metric, MetricsData } from '../model/otlp-model.ts';
import {
  array,
  bool,
  decodeEnvelopeJson,
  enumValue,
  field,
  hexId,
  keyValues,
  number,
  object,
  string,
  uint64,
  int64,
  type Json,
} from './json-reader.ts';

const TEMPORALITIES = [
  'AGGREGATION_TEMPORALITY_UNSPECIFIED',
  'AGGREGATION_TEMPORALITY_DELTA',
  'AGGREGATION_TEMPORALITY_CUMULATIVE',
];

/** Decodes an ExportMetricsServiceRequest in OTLP/JSON. Throws DecodeError on malformed input. */
export function decodeMetricsJson(body: Buffer): MetricsData {
  return decodeEnvelopeJson(body, { resource: 'resourceMetrics', scope: 'scopeMetrics', items: 'metrics' }, decodeMetric);
}

function decodeMetric(v: unknown, path: string): Metric {
  const o = object(v, path);
  const head = {
    name: string(o.name, `${path}.name`),
    description: string(o.description, `${path}.description`),
    unit: string(o.unit, `${path}.unit`),
  };
  const kinds = ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'].filter(
    (k) => field(o, k) !== undefined && field(o, k) !== null,
  );
  if (kinds.length > 1) throw new DecodeError(`${path}: has more than one data field (${kinds.join(', ')})`);
  const kind = kinds[0];
  if (kind === undefined) return { ...head, type: 'empty', dataPoints: [] };
  const p = `${path}.${kind}`;
  const data = object(field(o, kind), p);
  const points = array(field(data, 'dataPoints'), `${p}.dataPoints`).map((dv, i) => [object(dv, `${p}.dataPoints[${i}]`), `${p}.dataPoints[${i}]`] as const);
  const temporality = () => enumValue(field(data, 'aggregationTemporality'), `${p}.aggregationTemporality`, TEMPORALITIES);
  switch (kind) {
    case 'gauge':
      return { ...head, type: 'gauge', dataPoints: points.map(([d, dp]) => ({ ...base(d, dp), value: numberValue(d, dp) })) };
    case 'sum':
      return {
        ...head,
        type: 'sum',
        aggregationTemporality: temporality(),
        isMonotonic: bool(field(data, 'isMonotonic'), `${p}.isMonotonic`),
        dataPoints: points.map(([d, dp]) => ({ ...base(d, dp), value: numberValue(d, dp) })),
      };
    case 'histogram':
      return {
        ...head,
        type: 'histogram',
        aggregationTemporality: temporality(),
        dataPoints: points.map(([d, dp]) => ({
          ...base(d, dp),
          count: uint64(d.count, `${dp}.count`),
          sum: number(d.sum, `${dp}.sum`),
          bucketCounts: array(field(d, 'bucketCounts'), `${dp}.bucketCounts`).map((x, i) => uint64(x, `${dp}.bucketCounts[${i}]`)),
          explicitBounds: array(field(d, 'explicitBounds'), `${dp}.explicitBounds`).map((x, i) =>
            number(x, `${dp}.explicitBounds[${i}]`),
          ),
          min: number(d.min, `${dp}.min`),
          max: number(d.max, `${dp}.max`),
        })),
      };
    case 'exponentialHistogram':
      return {
        ...head,
        type: 'exponential_histogram',
        aggregationTemporality: temporality(),
        dataPoints: points.map(([d, dp]) => {
          const pos = object(d.positive, `${dp}.positive`);
          const neg = object(d.negative, `${dp}.negative`);
          return {
            ...base(d, dp),
            count: uint64(d.count, `${dp}.count`),
            sum: number(d.sum, `${dp}.sum`),
            scale: number(d.scale, `${dp}.scale`),
            zeroCount: uint64(field(d, 'zeroCount'), `${dp}.zeroCount`),
            positiveOffset: number(pos.offset, `${dp}.positive.offset`),
            positiveBucketCounts: array(field(pos, 'bucketCounts'), `${dp}.positive.bucketCounts`).map((x, i) =>
              uint64(x, `${dp}.positive.bucketCounts[${i}]`),
            ),
            negativeOffset: number(neg.offset, `${dp}.negative.offset`),
            negativeBucketCounts: array(field(neg, 'bucketCounts'), `${dp}.negative.bucketCounts`).map((x, i) =>
              uint64(x, `${dp}.negative.bucketCounts[${i}]`),
            ),
            min: number(d.min, `${dp}.min`),
            max: number(d.max, `${dp}.max`),
          };
        }),
      };
    default: {
      return {
        ...head,
        type: 'summary',
        dataPoints: points.map(([d, dp]) => {
          const qv = array(field(d, 'quantileValues'), `${dp}.quantileValues`).map((q, i) => object(q, `${dp}.quantileValues[${i}]`));
          return {
            ...base(d, dp),
            count: uint64(d.count, `${dp}.count`),
            sum: number(d.sum, `${dp}.sum`),
            quantiles: qv.map((q, i) => number(q.quantile, `${dp}.quantileValues[${i}].quantile`)),
            quantileValues: qv.map((q, i) => number(q.value, `${dp}.quantileValues[${i}].value`)),
          };
        }),
      };
    }
  }
}

function numberValue(d: Json, path: string): number {
  const asInt = field(d, 'asInt');
  if (asInt !== undefined && asInt !== null) return Number(int64(asInt, `${path}.asInt`));
  return number(field(d, 'asDouble'), `${path}.asDouble`);
}

function base(d: Json, path: string): DataPointBase {
  return {
    attributes: keyValues(d.attributes, `${path}.attributes`),
    startTimeUnixNano: uint64(field(d, 'startTimeUnixNano'), `${path}.startTimeUnixNano`),
    timeUnixNano: uint64(field(d, 'timeUnixNano'), `${path}.timeUnixNano`),
    flags: number(d.flags, `${path}.flags`),
    exemplars: array(d.exemplars, `${path}.exemplars`).map((ev, i): Exemplar => {
      const ep = `${path}.exemplars[${i}]`;
      const e = object(ev, ep);
      return {
        filteredAttributes: keyValues(field(e, 'filteredAttributes'), `${ep}.filteredAttributes`),
        timeUnixNano: uint64(field(e, 'timeUnixNano'), `${ep}.timeUnixNano`),
        value: numberValue(e, ep),
        spanId: hexId(field(e, 'spanId'), `${ep}.spanId`),
        traceId: hexId(field(e, 'traceId'), `${ep}.traceId`),
      };
    }),
  };
}
