/**
 * A small, schema-driven encoder from OTLP/JSON objects to OTLP protobuf bytes,
 * written from the opentelemetry-proto .proto files (v1.x) independently of the
 * product decoders. Tests use it to send the *same* request in both encodings.
 *
 * JSON conventions accepted (the OTLP/JSON mapping): lowerCamelCase field names,
 * trace/span ids as hex, bytes as base64, 64-bit integers as numbers or decimal
 * strings, enums as numbers or names.
 */

type Scalar = 'string' | 'bool' | 'uint32' | 'int64' | 'enum' | 'fixed64' | 'sfixed64' | 'fixed32' | 'double' | 'sint32' | 'hexbytes' | 'bytes';
type PackedScalar = 'fixed64[]' | 'double[]' | 'uint64[]';
type FieldType = Scalar | PackedScalar | { message: string; repeated?: boolean };
type MessageSchema = Record<string, [number, FieldType]>;

const rep = (message: string) => ({ message, repeated: true });
const msg = (message: string) => ({ message });

const SCHEMA: Record<string, MessageSchema> = {
  // common.proto
  AnyValue: {
    stringValue: [1, 'string'],
    boolValue: [2, 'bool'],
    intValue: [3, 'int64'],
    doubleValue: [4, 'double'],
    arrayValue: [5, msg('ArrayValue')],
    kvlistValue: [6, msg('KeyValueList')],
    bytesValue: [7, 'bytes'],
  },
  ArrayValue: { values: [1, rep('AnyValue')] },
  KeyValueList: { values: [1, rep('KeyValue')] },
  KeyValue: { key: [1, 'string'], value: [2, msg('AnyValue')] },
  InstrumentationScope: {
    name: [1, 'string'],
    version: [2, 'string'],
    attributes: [3, rep('KeyValue')],
    droppedAttributesCount: [4, 'uint32'],
  },
  Resource: { attributes: [1, rep('KeyValue')], droppedAttributesCount: [2, 'uint32'] },
  // trace.proto
  ExportTraceServiceRequest: { resourceSpans: [1, rep('ResourceSpans')] },
  ResourceSpans: { resource: [1, msg('Resource')], scopeSpans: [2, rep('ScopeSpans')], schemaUrl: [3, 'string'] },
  ScopeSpans: { scope: [1, msg('InstrumentationScope')], spans: [2, rep('Span')], schemaUrl: [3, 'string'] },
  Span: {
    traceId: [1, 'hexbytes'],
    spanId: [2, 'hexbytes'],
    traceState: [3, 'string'],
    parentSpanId: [4, 'hexbytes'],
    name: [5, 'string'],
    kind: [6, 'enum'],
    startTimeUnixNano: [7, 'fixed64'],
    endTimeUnixNano: [8, 'fixed64'],
    attributes: [9, rep('KeyValue')],
    droppedAttributesCount: [10, 'uint32'],
    events: [11, rep('Event')],
    droppedEventsCount: [12, 'uint32'],
    links: [13, rep('Link')],
    droppedLinksCount: [14, 'uint32'],
    status: [15, msg('Status')],
    flags: [16, 'fixed32'],
  },
  Event: { timeUnixNano: [1, 'fixed64'], name: [2, 'string'], attributes: [3, rep('KeyValue')], droppedAttributesCount: [4, 'uint32'] },
  Link: {
    traceId: [1, 'hexbytes'],
    spanId: [2, 'hexbytes'],
    traceState: [3, 'string'],
    attributes: [4, rep('KeyValue')],
    droppedAttributesCount: [5, 'uint32'],
    flags: [6, 'fixed32'],
  },
  Status: { message: [2, 'string'], code: [3, 'enum'] },
  // logs.proto
  ExportLogsServiceRequest: { resourceLogs: [1, rep('ResourceLogs')] },
  ResourceLogs: { resource: [1, msg('Resource')], scopeLogs: [2, rep('ScopeLogs')], schemaUrl: [3, 'string'] },
  ScopeLogs: { scope: [1, msg('InstrumentationScope')], logRecords: [2, rep('LogRecord')], schemaUrl: [3, 'string'] },
  LogRecord: {
    timeUnixNano: [1, 'fixed64'],
    observedTimeUnixNano: [11, 'fixed64'],
    severityNumber: [2, 'enum'],
    severityText: [3, 'string'],
    body: [5, msg('AnyValue')],
    attributes: [6, rep('KeyValue')],
    droppedAttributesCount: [7, 'uint32'],
    flags: [8, 'fixed32'],
    traceId: [9, 'hexbytes'],
    spanId: [10, 'hexbytes'],
    eventName: [12, 'string'],
  },
  // metrics.proto
  ExportMetricsServiceRequest: { resourceMetrics: [1, rep('ResourceMetrics')] },
  ResourceMetrics: { resource: [1, msg('Resource')], scopeMetrics: [2, rep('ScopeMetrics')], schemaUrl: [3, 'string'] },
  ScopeMetrics: { scope: [1, msg('InstrumentationScope')], metrics: [2, rep('Metric')], schemaUrl: [3, 'string'] },
  Metric: {
    name: [1, 'string'],
    description: [2, 'string'],
    unit: [3, 'string'],
    gauge: [5, msg('Gauge')],
    sum: [7, msg('Sum')],
    histogram: [9, msg('Histogram')],
    exponentialHistogram: [10, msg('ExponentialHistogram')],
    summary: [11, msg('Summary')],
  },
  Gauge: { dataPoints: [1, rep('NumberDataPoint')] },
  Sum: { dataPoints: [1, rep('NumberDataPoint')], aggregationTemporality: [2, 'enum'], isMonotonic: [3, 'bool'] },
  Histogram: { dataPoints: [1, rep('HistogramDataPoint')], aggregationTemporality: [2, 'enum'] },
  ExponentialHistogram: { dataPoints: [1, rep('ExponentialHistogramDataPoint')], aggregationTemporality: [2, 'enum'] },
  Summary: { dataPoints: [1, rep('SummaryDataPoint')] },
  NumberDataPoint: {
    attributes: [7, rep('KeyValue')],
    startTimeUnixNano: [2, 'fixed64'],
    timeUnixNano: [3, 'fixed64'],
    asDouble: [4, 'double'],
    asInt: [6, 'sfixed64'],
    exemplars: [5, rep('Exemplar')],
    flags: [8, 'uint32'],
  },
  HistogramDataPoint: {
    attributes: [9, rep('KeyValue')],
    startTimeUnixNano: [2, 'fixed64'],
    timeUnixNano: [3, 'fixed64'],
    count: [4, 'fixed64'],
    sum: [5, 'double'],
    bucketCounts: [6, 'fixed64[]'],
    explicitBounds: [7, 'double[]'],
    exemplars: [8, rep('Exemplar')],
    flags: [10, 'uint32'],
    min: [11, 'double'],
    max: [12, 'double'],
  },
  ExponentialHistogramDataPoint: {
    attributes: [1, rep('KeyValue')],
    startTimeUnixNano: [2, 'fixed64'],
    timeUnixNano: [3, 'fixed64'],
    count: [4, 'fixed64'],
    sum: [5, 'double'],
    scale: [6, 'sint32'],
    zeroCount: [7, 'fixed64'],
    positive: [8, msg('Buckets')],
    negative: [9, msg('Buckets')],
    flags: [10, 'uint32'],
    exemplars: [11, rep('Exemplar')],
    min: [12, 'double'],
    max: [13, 'double'],
    zeroThreshold: [14, 'double'],
  },
  Buckets: { offset: [1, 'sint32'], bucketCounts: [2, 'uint64[]'] },
  SummaryDataPoint: {
    attributes: [7, rep('KeyValue')],
    startTimeUnixNano: [2, 'fixed64'],
    timeUnixNano: [3, 'fixed64'],
    count: [4, 'fixed64'],
    sum: [5, 'double'],
    quantileValues: [6, rep('ValueAtQuantile')],
    flags: [8, 'uint32'],
  },
  ValueAtQuantile: { quantile: [1, 'double'], value: [2, 'double'] },
  Exemplar: {
    filteredAttributes: [7, rep('KeyValue')],
    timeUnixNano: [2, 'fixed64'],
    asDouble: [3, 'double'],
    asInt: [6, 'sfixed64'],
    spanId: [4, 'hexbytes'],
    traceId: [5, 'hexbytes'],
  },
};

const ENUMS: Record<string, number> = {};
['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'].forEach((n, i) => (ENUMS[`SPAN_KIND_${n}`] = i));
['UNSET', 'OK', 'ERROR'].forEach((n, i) => (ENUMS[`STATUS_CODE_${n}`] = i));
['UNSPECIFIED', 'DELTA', 'CUMULATIVE'].forEach((n, i) => (ENUMS[`AGGREGATION_TEMPORALITY_${n}`] = i));
['UNSPECIFIED', 'TRACE', 'TRACE2', 'TRACE3', 'TRACE4', 'DEBUG', 'DEBUG2', 'DEBUG3', 'DEBUG4', 'INFO', 'INFO2', 'INFO3', 'INFO4',
  'WARN', 'WARN2', 'WARN3', 'WARN4', 'ERROR', 'ERROR2', 'ERROR3', 'ERROR4', 'FATAL', 'FATAL2', 'FATAL3', 'FATAL4'].forEach(
  (n, i) => (ENUMS[`SEVERITY_NUMBER_${n}`] = i),
);

export type OtlpSignal = 'traces' | 'logs' | 'metrics';
const ROOT: Record<OtlpSignal, string> = {
  traces: 'ExportTraceServiceRequest',
  logs: 'ExportLogsServiceRequest',
  metrics: 'ExportMetricsServiceRequest',
};

/** Encodes an OTLP/JSON export request (as a parsed object) to protobuf bytes. */
export function otlpJsonToProto(signal: OtlpSignal, request: unknown): Buffer {
  return encodeMessage(ROOT[signal], request);
}

export function encodeMessage(type: string, value: unknown): Buffer {
  const schema = SCHEMA[type];
  if (!schema) throw new Error(`unknown message type ${type}`);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${type}: expected an object`);
  const parts: Buffer[] = [];
  for (const [name, v] of Object.entries(value)) {
    if (v === undefined || v === null) continue;
    const f = schema[name];
    if (!f) throw new Error(`${type}: unknown field ${name}`);
    const [num, ft] = f;
    if (typeof ft === 'object') {
      const items = ft.repeated ? (v as unknown[]) : [v];
      for (const item of items) parts.push(lenField(num, encodeMessage(ft.message, item)));
    } else parts.push(encodeScalar(num, ft, v));
  }
  return Buffer.concat(parts);
}

function encodeScalar(num: number, type: Scalar | PackedScalar, v: unknown): Buffer {
  switch (type) {
    case 'string':
      return lenField(num, Buffer.from(v as string, 'utf8'));
    case 'bytes':
      return lenField(num, Buffer.from(v as string, 'base64'));
    case 'hexbytes':
      return lenField(num, Buffer.from(v as string, 'hex'));
    case 'bool':
      return Buffer.concat([tag(num, 0), varint(v ? 1n : 0n)]);
    case 'uint32':
    case 'int64':
      return Buffer.concat([tag(num, 0), varint(BigInt(v as string | number))]);
    case 'enum':
      return Buffer.concat([tag(num, 0), varint(BigInt(typeof v === 'string' ? enumNumber(v) : (v as number)))]);
    case 'sint32': {
      const n = v as number;
      return Buffer.concat([tag(num, 0), varint(BigInt(n >= 0 ? n * 2 : -n * 2 - 1))]);
    }
    case 'fixed64':
    case 'sfixed64': {
      const b = Buffer.alloc(8);
      b.writeBigUInt64LE(BigInt.asUintN(64, BigInt(v as string | number)));
      return Buffer.concat([tag(num, 1), b]);
    }
    case 'fixed32': {
      const b = Buffer.alloc(4);
      b.writeUInt32LE(v as number);
      return Buffer.concat([tag(num, 5), b]);
    }
    case 'double': {
      const b = Buffer.alloc(8);
      b.writeDoubleLE(jsonDouble(v));
      return Buffer.concat([tag(num, 1), b]);
    }
    case 'fixed64[]':
      return lenField(
        num,
        Buffer.concat(
          (v as Array<string | number>).map((x) => {
            const b = Buffer.alloc(8);
            b.writeBigUInt64LE(BigInt(x));
            return b;
          }),
        ),
      );
    case 'double[]':
      return lenField(
        num,
        Buffer.concat(
          (v as unknown[]).map((x) => {
            const b = Buffer.alloc(8);
            b.writeDoubleLE(jsonDouble(x));
            return b;
          }),
        ),
      );
    case 'uint64[]':
      return lenField(num, Buffer.concat((v as Array<string | number>).map((x) => varint(BigInt(x)))));
  }
}

function enumNumber(name: string): number {
  const n = ENUMS[name];
  if (n === undefined) throw new Error(`unknown enum value ${name}`);
  return n;
}

function jsonDouble(v: unknown): number {
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  return Number(v);
}

export function tag(num: number, wire: number): Buffer {
  return varint(BigInt(num * 8 + wire));
}

export function lenField(num: number, payload: Buffer): Buffer {
  return Buffer.concat([tag(num, 2), varint(BigInt(payload.length)), payload]);
}

export function varint(v: bigint): Buffer {
  const out: number[] = [];
  let n = BigInt.asUintN(64, v);
  while (n > 0x7fn) {
    out.push(Number(n & 0x7fn) | 0x80);
    n >>= 7n;
  }
  out.push(Number(n));
  return Buffer.from(out);
}

/**
 * Decodes an Export*ServiceResponse (or google.rpc.Status) just enough for tests:
 * a flat view of `{ field: value }` where LEN fields are returned as Buffers and
 * varints as bigint. Throws on malformed input.
 */
export function readFields(buf: Buffer): Map<number, Array<bigint | Buffer>> {
  const out = new Map<number, Array<bigint | Buffer>>();
  let pos = 0;
  const readVarint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= buf.length) throw new Error('truncated varint');
      const b = buf[pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (pos < buf.length) {
    const t = Number(readVarint());
    const num = t >>> 3;
    let value: bigint | Buffer;
    switch (t & 7) {
      case 0:
        value = readVarint();
        break;
      case 1:
        value = buf.subarray(pos, pos + 8);
        pos += 8;
        break;
      case 2: {
        const len = Number(readVarint());
        if (pos + len > buf.length) throw new Error('truncated field');
        value = buf.subarray(pos, pos + len);
        pos += len;
        break;
      }
      case 5:
        value = buf.subarray(pos, pos + 4);
        pos += 4;
        break;
      default:
        throw new Error(`unsupported wire type ${t & 7}`);
    }
    const list = out.get(num) ?? [];
    list.push(value);
    out.set(num, list);
  }
  return out;
}

/** The partial_success of an Export*ServiceResponse: { rejected (field 1), message (field 2) }. */
export function decodePartialSuccess(response: Buffer): { rejected: bigint; message: string } | undefined {
  const partial = readFields(response).get(1)?.[0];
  if (partial === undefined) return undefined;
  if (!Buffer.isBuffer(partial)) throw new Error('partial_success is not a message');
  const f = readFields(partial);
  const rejected = f.get(1)?.[0];
  const message = f.get(2)?.[0];
  return {
    rejected: typeof rejected === 'bigint' ? rejected : 0n,
    message: Buffer.isBuffer(message) ? message.toString('utf8') : '',
  };
}

/** A google.rpc.Status: { code (1), message (2) }. */
export function decodeRpcStatus(body: Buffer): { code: number; message: string } {
  const f = readFields(body);
  const code = f.get(1)?.[0];
  const message = f.get(2)?.[0];
  return { code: typeof code === 'bigint' ? Number(code) : 0, message: Buffer.isBuffer(message) ? message.toString('utf8') : '' };
}
