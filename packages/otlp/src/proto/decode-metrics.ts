import { DecodeError, ProtoReader, WIRE_FIXED64, WIRE_LEN, WIRE_VARINT, expectWire, readMessage } from '../wire/proto-reader.ts';
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
import { decodeEnvelope, pushKeyValue } from './decode-common.ts';

/** Decodes an ExportMetricsServiceRequest. Throws DecodeError on malformed input. */
export function decodeMetricsProto(buf: Buffer): MetricsData {
  return decodeEnvelope(buf, 'Metrics', decodeMetric);
}

function decodeMetric(r: ProtoReader, end: number): Metric {
  let name = '';
  let description = '';
  let unit = '';
  let metric: Metric | undefined;
  const setData = (m: Metric) => {
    if (metric) throw new DecodeError(`metric "${name}" has more than one data field`);
    metric = m;
  };
  readMessage(r, end, (field, wire) => {
    switch (field) {
      case 1:
        expectWire(wire, WIRE_LEN, 'Metric.name');
        name = r.string();
        break;
      case 2:
        expectWire(wire, WIRE_LEN, 'Metric.description');
        description = r.string();
        break;
      case 3:
        expectWire(wire, WIRE_LEN, 'Metric.unit');
        unit = r.string();
        break;
      case 5: {
        expectWire(wire, WIRE_LEN, 'Metric.gauge');
        const dataPoints: NumberDataPoint[] = [];
        readMessage(r, r.lenEnd(), (f, w) => {
          if (f === 1) dataPoints.push(decodeNumberPoint(r, w));
          else r.skip(w);
        });
        setData({ type: 'gauge', name, description, unit, dataPoints });
        break;
      }
      case 7: {
        expectWire(wire, WIRE_LEN, 'Metric.sum');
        const dataPoints: NumberDataPoint[] = [];
        let aggregationTemporality = 0;
        let isMonotonic = false;
        readMessage(r, r.lenEnd(), (f, w) => {
          if (f === 1) dataPoints.push(decodeNumberPoint(r, w));
          else if (f === 2) aggregationTemporality = varint(r, w, 'Sum.aggregation_temporality');
          else if (f === 3) isMonotonic = varint(r, w, 'Sum.is_monotonic') !== 0;
          else r.skip(w);
        });
        setData({ type: 'sum', name, description, unit, dataPoints, aggregationTemporality, isMonotonic });
        break;
      }
      case 9: {
        expectWire(wire, WIRE_LEN, 'Metric.histogram');
        const dataPoints: HistogramDataPoint[] = [];
        let aggregationTemporality = 0;
        readMessage(r, r.lenEnd(), (f, w) => {
          if (f === 1) dataPoints.push(decodeHistogramPoint(r, w));
          else if (f === 2) aggregationTemporality = varint(r, w, 'Histogram.aggregation_temporality');
          else r.skip(w);
        });
        setData({ type: 'histogram', name, description, unit, dataPoints, aggregationTemporality });
        break;
      }
      case 10: {
        expectWire(wire, WIRE_LEN, 'Metric.exponential_histogram');
        const dataPoints: ExponentialHistogramDataPoint[] = [];
        let aggregationTemporality = 0;
        readMessage(r, r.lenEnd(), (f, w) => {
          if (f === 1) dataPoints.push(decodeExpHistogramPoint(r, w));
          else if (f === 2) aggregationTemporality = varint(r, w, 'ExponentialHistogram.aggregation_temporality');
          else r.skip(w);
        });
        setData({ type: 'exponential_histogram', name, description, unit, dataPoints, aggregationTemporality });
        break;
      }
      case 11: {
        expectWire(wire, WIRE_LEN, 'Metric.summary');
        const dataPoints: SummaryDataPoint[] = [];
        readMessage(r, r.lenEnd(), (f, w) => {
          if (f === 1) dataPoints.push(decodeSummaryPoint(r, w));
          else r.skip(w);
        });
        setData({ type: 'summary', name, description, unit, dataPoints });
        break;
      }
      default:
        r.skip(wire);
    }
  });
  const result: Metric = metric ?? { type: 'empty', name, description, unit, dataPoints: [] };
  // name/description/unit may follow the data field on the wire.
  result.name = name;
  result.description = description;
  result.unit = unit;
  return result;
}

function varint(r: ProtoReader, wire: number, what: string): number {
  expectWire(wire, WIRE_VARINT, what);
  return r.varintNumber();
}

function fixed64(r: ProtoReader, wire: number, what: string): bigint {
  expectWire(wire, WIRE_FIXED64, what);
  return r.fixed64();
}

function double(r: ProtoReader, wire: number, what: string): number {
  expectWire(wire, WIRE_FIXED64, what);
  return r.double();
}

function base(): DataPointBase {
  return { attributes: [], startTimeUnixNano: 0n, timeUnixNano: 0n, flags: 0, exemplars: [] };
}

function decodeNumberPoint(r: ProtoReader, wire: number): NumberDataPoint {
  expectWire(wire, WIRE_LEN, 'NumberDataPoint');
  const p: NumberDataPoint = { ...base(), value: 0 };
  readMessage(r, r.lenEnd(), (f, w) => {
    switch (f) {
      case 7:
        pushKeyValue(r, w, p.attributes, 'NumberDataPoint.attributes');
        break;
      case 2:
        p.startTimeUnixNano = fixed64(r, w, 'NumberDataPoint.start_time_unix_nano');
        break;
      case 3:
        p.timeUnixNano = fixed64(r, w, 'NumberDataPoint.time_unix_nano');
        break;
      case 4:
        p.value = double(r, w, 'NumberDataPoint.as_double');
        break;
      case 6:
        expectWire(w, WIRE_FIXED64, 'NumberDataPoint.as_int');
        p.value = Number(r.sfixed64());
        break;
      case 5:
        p.exemplars.push(decodeExemplar(r, w));
        break;
      case 8:
        p.flags = varint(r, w, 'NumberDataPoint.flags');
        break;
      default:
        r.skip(w);
    }
  });
  return p;
}

function decodeHistogramPoint(r: ProtoReader, wire: number): HistogramDataPoint {
  expectWire(wire, WIRE_LEN, 'HistogramDataPoint');
  const p: HistogramDataPoint = { ...base(), count: 0n, sum: 0, bucketCounts: [], explicitBounds: [], min: 0, max: 0 };
  readMessage(r, r.lenEnd(), (f, w) => {
    switch (f) {
      case 9:
        pushKeyValue(r, w, p.attributes, 'HistogramDataPoint.attributes');
        break;
      case 2:
        p.startTimeUnixNano = fixed64(r, w, 'HistogramDataPoint.start_time_unix_nano');
        break;
      case 3:
        p.timeUnixNano = fixed64(r, w, 'HistogramDataPoint.time_unix_nano');
        break;
      case 4:
        p.count = fixed64(r, w, 'HistogramDataPoint.count');
        break;
      case 5:
        p.sum = double(r, w, 'HistogramDataPoint.sum');
        break;
      case 6:
        r.repeated(w, WIRE_FIXED64, () => p.bucketCounts.push(r.fixed64()));
        break;
      case 7:
        r.repeated(w, WIRE_FIXED64, () => p.explicitBounds.push(r.double()));
        break;
      case 8:
        p.exemplars.push(decodeExemplar(r, w));
        break;
      case 10:
        p.flags = varint(r, w, 'HistogramDataPoint.flags');
        break;
      case 11:
        p.min = double(r, w, 'HistogramDataPoint.min');
        break;
      case 12:
        p.max = double(r, w, 'HistogramDataPoint.max');
        break;
      default:
        r.skip(w);
    }
  });
  return p;
}

function decodeBuckets(r: ProtoReader, wire: number, what: string): { offset: number; counts: bigint[] } {
  expectWire(wire, WIRE_LEN, what);
  const out = { offset: 0, counts: [] as bigint[] };
  readMessage(r, r.lenEnd(), (f, w) => {
    if (f === 1) {
      expectWire(w, WIRE_VARINT, `${what}.offset`);
      out.offset = r.sint32();
    } else if (f === 2) r.repeated(w, WIRE_VARINT, () => out.counts.push(r.uint64()));
    else r.skip(w);
  });
  return out;
}

function decodeExpHistogramPoint(r: ProtoReader, wire: number): ExponentialHistogramDataPoint {
  expectWire(wire, WIRE_LEN, 'ExponentialHistogramDataPoint');
  const p: ExponentialHistogramDataPoint = {
    ...base(),
    count: 0n,
    sum: 0,
    scale: 0,
    zeroCount: 0n,
    positiveOffset: 0,
    positiveBucketCounts: [],
    negativeOffset: 0,
    negativeBucketCounts: [],
    min: 0,
    max: 0,
  };
  readMessage(r, r.lenEnd(), (f, w) => {
    switch (f) {
      case 1:
        pushKeyValue(r, w, p.attributes, 'ExponentialHistogramDataPoint.attributes');
        break;
      case 2:
        p.startTimeUnixNano = fixed64(r, w, 'ExponentialHistogramDataPoint.start_time_unix_nano');
        break;
      case 3:
        p.timeUnixNano = fixed64(r, w, 'ExponentialHistogramDataPoint.time_unix_nano');
        break;
      case 4:
        p.count = fixed64(r, w, 'ExponentialHistogramDataPoint.count');
        break;
      case 5:
        p.sum = double(r, w, 'ExponentialHistogramDataPoint.sum');
        break;
      case 6:
        expectWire(w, WIRE_VARINT, 'ExponentialHistogramDataPoint.scale');
        p.scale = r.sint32();
        break;
      case 7:
        p.zeroCount = fixed64(r, w, 'ExponentialHistogramDataPoint.zero_count');
        break;
      case 8: {
        const b = decodeBuckets(r, w, 'ExponentialHistogramDataPoint.positive');
        p.positiveOffset = b.offset;
        p.positiveBucketCounts = b.counts;
        break;
      }
      case 9: {
        const b = decodeBuckets(r, w, 'ExponentialHistogramDataPoint.negative');
        p.negativeOffset = b.offset;
        p.negativeBucketCounts = b.counts;
        break;
      }
      case 10:
        p.flags = varint(r, w, 'ExponentialHistogramDataPoint.flags');
        break;
      case 11:
        p.exemplars.push(decodeExemplar(r, w));
        break;
      case 12:
        p.min = double(r, w, 'ExponentialHistogramDataPoint.min');
        break;
      case 13:
        p.max = double(r, w, 'ExponentialHistogramDataPoint.max');
        break;
      default:
        r.skip(w);
    }
  });
  return p;
}

function decodeSummaryPoint(r: ProtoReader, wire: number): SummaryDataPoint {
  expectWire(wire, WIRE_LEN, 'SummaryDataPoint');
  const p: SummaryDataPoint = { ...base(), count: 0n, sum: 0, quantiles: [], quantileValues: [] };
  readMessage(r, r.lenEnd(), (f, w) => {
    switch (f) {
      case 7:
        pushKeyValue(r, w, p.attributes, 'SummaryDataPoint.attributes');
        break;
      case 2:
        p.startTimeUnixNano = fixed64(r, w, 'SummaryDataPoint.start_time_unix_nano');
        break;
      case 3:
        p.timeUnixNano = fixed64(r, w, 'SummaryDataPoint.time_unix_nano');
        break;
      case 4:
        p.count = fixed64(r, w, 'SummaryDataPoint.count');
        break;
      case 5:
        p.sum = double(r, w, 'SummaryDataPoint.sum');
        break;
      case 6: {
        expectWire(w, WIRE_LEN, 'SummaryDataPoint.quantile_values');
        let q = 0;
        let v = 0;
        readMessage(r, r.lenEnd(), (qf, qw) => {
          if (qf === 1) q = double(r, qw, 'ValueAtQuantile.quantile');
          else if (qf === 2) v = double(r, qw, 'ValueAtQuantile.value');
          else r.skip(qw);
        });
        p.quantiles.push(q);
        p.quantileValues.push(v);
        break;
      }
      case 8:
        p.flags = varint(r, w, 'SummaryDataPoint.flags');
        break;
      default:
        r.skip(w);
    }
  });
  return p;
}

function decodeExemplar(r: ProtoReader, wire: number): Exemplar {
  expectWire(wire, WIRE_LEN, 'Exemplar');
  const e: Exemplar = { filteredAttributes: [], timeUnixNano: 0n, value: 0, spanId: '', traceId: '' };
  readMessage(r, r.lenEnd(), (f, w) => {
    switch (f) {
      case 7:
        pushKeyValue(r, w, e.filteredAttributes, 'Exemplar.filtered_attributes');
        break;
      case 2:
        e.timeUnixNano = fixed64(r, w, 'Exemplar.time_unix_nano');
        break;
      case 3:
        e.value = double(r, w, 'Exemplar.as_double');
        break;
      case 6:
        expectWire(w, WIRE_FIXED64, 'Exemplar.as_int');
        e.value = Number(r.sfixed64());
        break;
      case 4:
        expectWire(w, WIRE_LEN, 'Exemplar.span_id');
        e.spanId = r.hex();
        break;
      case 5:
        expectWire(w, WIRE_LEN, 'Exemplar.trace_id');
        e.traceId = r.hex();
        break;
      default:
        r.skip(w);
    }
  });
  return e;
}
