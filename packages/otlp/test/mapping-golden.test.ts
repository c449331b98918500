import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRequest, type MappedRequest, type Signal } from '@spyglass/otlp';
import { otlpJsonToProto } from './support/otlp-json-to-proto.ts';
import { readRowBinary, type Row } from './support/row-binary-reader.ts';

/**
 * Golden tests of the OTLP -> ClickStack row mapping. Each case is a small
 * OTLP/JSON request; it is decoded as JSON and, re-encoded to protobuf by an
 * independent encoder, as protobuf. Both encodings must give byte-identical
 * rows, and the rows must hold the values SCHEMA.md prescribes.
 */

interface GoldenCase {
  name: string;
  signal: Signal;
  request: object;
  /** Expected rows per table: each row lists the columns to check (others are ignored). */
  expected: Record<string, Array<Record<string, unknown>>>;
  rejected?: number;
}

const TRACE = '5b8efff798038103d269b633813fc60c';
const SPAN = 'eee19b7ec3c1b174';
const T0 = '1700000000123456789';

const str = (s: string) => ({ stringValue: s });
const int = (i: string | number) => ({ intValue: i });
const dbl = (d: number | string) => ({ doubleValue: d });
const kv = (key: string, value: object) => ({ key, value });

function traces(spans: object[], resourceAttrs: object[] = [kv('service.name', str('golden-svc'))]): object {
  return {
    resourceSpans: [
      { resource: { attributes: resourceAttrs }, scopeSpans: [{ scope: { name: 'golden-scope', version: '1.0.0' }, spans }] },
    ],
  };
}

function span(extra: object): object {
  return { traceId: TRACE, spanId: SPAN, name: 'op', kind: 'SPAN_KIND_INTERNAL', startTimeUnixNano: T0, endTimeUnixNano: T0, ...extra };
}

function logs(records: object[]): object {
  return {
    resourceLogs: [
      {
        resource: { attributes: [kv('service.name', str('golden-logs')), kv('host.name', str('h1'))] },
        schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
        scopeLogs: [
          {
            scope: { name: 'log-scope', version: '2.0.0', attributes: [kv('scope.attr', str('s'))] },
            schemaUrl: 'https://example.com/scope-schema',
            logRecords: records,
          },
        ],
      },
    ],
  };
}

function metrics(list: object[]): object {
  return {
    resourceMetrics: [
      {
        resource: { attributes: [kv('service.name', str('golden-metrics'))] },
        scopeMetrics: [{ scope: { name: 'meter', version: '3.0.0', droppedAttributesCount: 2 }, metrics: list }],
      },
    ],
  };
}

const CASES: GoldenCase[] = [
  {
    name: 'attribute values of every type render as the Collector renders them',
    signal: 'traces',
    request: traces([
      span({
        attributes: [
          kv('string', str('héllo "quoted"\n')),
          kv('empty.string', str('')),
          kv('int', int(42)),
          kv('int.string', int('-17')),
          kv('int64.beyond.2^53', int('9007199254740993')),
          kv('int64.min', int('-9223372036854775808')),
          kv('double', dbl(3.25)),
          kv('double.integral', dbl(3)),
          kv('double.big', dbl(1e21)),
          kv('double.small', dbl(1e-7)),
          kv('double.tiny', dbl(2.5e-10)),
          kv('double.negative', dbl(-0.5)),
          kv('double.nan', dbl('NaN')),
          kv('double.inf', dbl('Infinity')),
          kv('double.neginf', dbl('-Infinity')),
          kv('bool.true', { boolValue: true }),
          kv('bool.false', { boolValue: false }),
          kv('bytes', { bytesValue: 'AQID/w==' }),
          kv('array', { arrayValue: { values: [str('a'), int('1'), { boolValue: true }, dbl(2.5), { bytesValue: 'AQI=' }] } }),
          kv('array.empty', { arrayValue: {} }),
          kv('kvlist', { kvlistValue: { values: [kv('a', str('x')), kv('b', int(2))] } }),
          kv('kvlist.empty', { kvlistValue: {} }),
          kv('kvlist.unsorted', { kvlistValue: { values: [kv('z', str('1')), kv('a', str('2')), kv('z', str('3'))] } }),
          kv('nested', {
            kvlistValue: {
              values: [
                kv('arr', { arrayValue: { values: [{ kvlistValue: { values: [kv('k', str('v"'))] } }, { arrayValue: {} }] } }),
                kv('big', int('9007199254740993')),
                kv('none', {}),
              ],
            },
          }),
          kv('no.value', {}),
        ],
      }),
    ]),
    expected: {
      otel_traces: [
        {
          SpanAttributes: {
            'string': 'héllo "quoted"\n',
            'empty.string': '',
            'int': '42',
            'int.string': '-17',
            'int64.beyond.2^53': '9007199254740993',
            'int64.min': '-9223372036854775808',
            'double': '3.25',
            'double.integral': '3',
            'double.big': '1000000000000000000000',
            'double.small': '0.0000001',
            'double.tiny': '0.00000000025',
            'double.negative': '-0.5',
            'double.nan': 'NaN',
            'double.inf': '+Inf',
            'double.neginf': '-Inf',
            'bool.true': 'true',
            'bool.false': 'false',
            'bytes': 'AQID/w==',
            'array': '["a",1,true,2.5,"AQI="]',
            'array.empty': '[]',
            'kvlist': '{"a":"x","b":2}',
            'kvlist.empty': '{}',
            // Like the Collector (Go's encoding/json on a map): sorted keys, last duplicate wins.
            'kvlist.unsorted': '{"a":"2","z":"3"}',
            'nested': '{"arr":[{"k":"v\\""},[]],"big":9007199254740993,"none":null}',
            'no.value': '',
          },
        },
      ],
    },
  },
  {
    name: 'span kinds and status codes become ClickStack strings; enums may be names or numbers',
    signal: 'traces',
    request: traces([
      span({ name: 'k0', kind: 'SPAN_KIND_UNSPECIFIED' }),
      span({ name: 'k1', kind: 'SPAN_KIND_INTERNAL', status: { code: 'STATUS_CODE_UNSET' } }),
      span({ name: 'k2', kind: 'SPAN_KIND_SERVER', status: { code: 'STATUS_CODE_OK' } }),
      span({ name: 'k3', kind: 3, status: { code: 2, message: 'it broke' } }),
      span({ name: 'k4', kind: 'SPAN_KIND_PRODUCER' }),
      span({ name: 'k5', kind: 'SPAN_KIND_CONSUMER', status: { code: 'STATUS_CODE_ERROR' } }),
      span({ name: 'k-unknown', kind: 42, status: { code: 9 } }),
    ]),
    expected: {
      otel_traces: [
        { SpanName: 'k0', SpanKind: 'Unspecified', StatusCode: 'Unset', StatusMessage: '' },
        { SpanName: 'k1', SpanKind: 'Internal', StatusCode: 'Unset' },
        { SpanName: 'k2', SpanKind: 'Server', StatusCode: 'Ok' },
        { SpanName: 'k3', SpanKind: 'Client', StatusCode: 'Error', StatusMessage: 'it broke' },
        { SpanName: 'k4', SpanKind: 'Producer' },
        { SpanName: 'k5', SpanKind: 'Consumer', StatusCode: 'Error' },
        { SpanName: 'k-unknown', SpanKind: 'Unspecified', StatusCode: 'Unset' },
      ],
    },
  },
  {
    name: 'Timestamp is the exact start time and Duration is end - start in nanoseconds (never negative)',
    signal: 'traces',
    request: traces([
      span({ name: 'd1', startTimeUnixNano: T0, endTimeUnixNano: '1700000000124691356' }),
      span({ name: 'd2', startTimeUnixNano: 1_700_000_000_000_000, endTimeUnixNano: 1_700_000_001_000_000 }),
      span({ name: 'backwards', startTimeUnixNano: '1700000000000000005', endTimeUnixNano: '1700000000000000001' }),
      span({ name: 'unfinished', startTimeUnixNano: '1700000000000000005', endTimeUnixNano: undefined }),
    ]),
    expected: {
      otel_traces: [
        { SpanName: 'd1', Timestamp: '1700000000.123456789', Duration: 1234567 },
        { SpanName: 'd2', Timestamp: '1700000.000000000', Duration: 1_000_000 },
        { SpanName: 'backwards', Timestamp: '1700000000.000000005', Duration: 0 },
        { SpanName: 'unfinished', Duration: 0 },
      ],
    },
  },
  {
    name: 'ids are stored as lowercase hex, and the parent, links and events are kept',
    signal: 'traces',
    request: traces([
      span({
        traceId: TRACE.toUpperCase(),
        spanId: 'EEE19B7EC3C1B174',
        parentSpanId: 'AAAAAAAAAAAAAAAB',
        traceState: 'vendor=x',
        events: [{ timeUnixNano: '1700000000200000000', name: 'evt', attributes: [kv('e', int(1))] }],
        links: [{ traceId: 'F'.repeat(32), spanId: 'C'.repeat(16), traceState: 'a=b', attributes: [kv('l', { boolValue: false })] }],
      }),
    ]),
    expected: {
      otel_traces: [
        {
          TraceId: TRACE,
          SpanId: 'eee19b7ec3c1b174',
          ParentSpanId: 'aaaaaaaaaaaaaaab',
          TraceState: 'vendor=x',
          'Events.Timestamp': ['1700000000.200000000'],
          'Events.Name': ['evt'],
          'Events.Attributes': [{ e: '1' }],
          'Links.TraceId': ['f'.repeat(32)],
          'Links.SpanId': ['c'.repeat(16)],
          'Links.TraceState': ['a=b'],
          'Links.Attributes': [{ l: 'false' }],
        },
      ],
    },
  },
  {
    name: 'ServiceName comes from the resource service.name, rendered as a string whatever its type',
    signal: 'traces',
    request: {
      resourceSpans: [
        { resource: { attributes: [kv('deployment.environment', str('prod')), kv('service.name', str('checkout'))] }, scopeSpans: [{ spans: [span({ name: 'a' })] }] },
        { resource: { attributes: [kv('service.name', int(7))] }, scopeSpans: [{ spans: [span({ name: 'b' })] }] },
        { resource: {}, scopeSpans: [{ spans: [span({ name: 'c' })] }] },
      ],
    },
    expected: {
      otel_traces: [
        { SpanName: 'a', ServiceName: 'checkout', ResourceAttributes: { 'deployment.environment': 'prod', 'service.name': 'checkout' }, ScopeName: '', ScopeVersion: '' },
        { SpanName: 'b', ServiceName: '7' },
        { SpanName: 'c', ServiceName: '', ResourceAttributes: {} },
      ],
    },
  },
  {
    name: 'spans with invalid ids are rejected and counted, the others kept',
    signal: 'traces',
    request: traces([
      span({ name: 'ok' }),
      span({ name: 'short-trace', traceId: 'abcd' }),
      span({ name: 'zero-trace', traceId: '0'.repeat(32) }),
      span({ name: 'no-span-id', spanId: '' }),
    ]),
    expected: { otel_traces: [{ SpanName: 'ok' }] },
    rejected: 3,
  },
  {
    name: 'log records: every column, non-string bodies as JSON text, Timestamp falling back to ObservedTimestamp',
    signal: 'logs',
    request: logs([
      {
        timeUnixNano: T0,
        observedTimeUnixNano: '1700000009000000000',
        severityNumber: 'SEVERITY_NUMBER_WARN',
        severityText: 'WARN',
        body: str('plain text'),
        attributes: [kv('user.id', int(12)), kv('ok', { boolValue: true })],
        flags: 1,
        traceId: TRACE.toUpperCase(),
        spanId: SPAN,
        eventName: 'user.login',
      },
      { observedTimeUnixNano: '1700000002000000000', severityNumber: 17, body: { kvlistValue: { values: [kv('a', int(1)), kv('b', { arrayValue: { values: [str('x')] } })] } } },
      { timeUnixNano: '0', observedTimeUnixNano: '1700000003000000001', body: int('9007199254740993') },
      { timeUnixNano: T0, body: dbl(1e21) },
      { timeUnixNano: T0, body: { bytesValue: 'aGk=' } },
      { timeUnixNano: T0, body: { arrayValue: { values: [int(1), str('two')] } } },
      { timeUnixNano: T0, body: { boolValue: false }, flags: 0x101 },
      { timeUnixNano: T0 },
    ]),
    expected: {
      otel_logs: [
        {
          Timestamp: '1700000000.123456789',
          TraceId: TRACE,
          SpanId: SPAN,
          TraceFlags: 1,
          SeverityText: 'WARN',
          SeverityNumber: 13,
          ServiceName: 'golden-logs',
          Body: 'plain text',
          ResourceSchemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
          ResourceAttributes: { 'service.name': 'golden-logs', 'host.name': 'h1' },
          ScopeSchemaUrl: 'https://example.com/scope-schema',
          ScopeName: 'log-scope',
          ScopeVersion: '2.0.0',
          ScopeAttributes: { 'scope.attr': 's' },
          LogAttributes: { 'user.id': '12', 'ok': 'true' },
          EventName: 'user.login',
        },
        { Timestamp: '1700000002.000000000', SeverityNumber: 17, SeverityText: '', Body: '{"a":1,"b":["x"]}', TraceId: '', SpanId: '', TraceFlags: 0, EventName: '' },
        { Timestamp: '1700000003.000000001', Body: '9007199254740993' },
        { Body: '1000000000000000000000' },
        { Body: 'aGk=' },
        { Body: '[1,"two"]' },
        { Body: 'false', TraceFlags: 1 },
        { Body: '', LogAttributes: {} },
      ],
    },
  },
  {
    name: 'metric values from asInt and asDouble, sums, histograms, summaries and exemplars',
    signal: 'metrics',
    request: metrics([
      {
        name: 'queue.depth',
        description: 'items waiting',
        unit: '{item}',
        gauge: {
          dataPoints: [
            {
              attributes: [kv('queue', str('a'))],
              startTimeUnixNano: '1699999990000000000',
              timeUnixNano: '1700000000999999999',
              asInt: '42',
              exemplars: [
                {
                  filteredAttributes: [kv('user', str('u1'))],
                  timeUnixNano: '1700000000500000000',
                  asDouble: 41.5,
                  spanId: SPAN.toUpperCase(),
                  traceId: TRACE,
                },
                { timeUnixNano: '1700000000600000000', asInt: '40' },
              ],
            },
            { timeUnixNano: '1700000001000000000', asInt: '-7' },
            { timeUnixNano: '1700000001000000000', asDouble: 0.25 },
            { timeUnixNano: '1700000001000000000', asInt: 5 },
          ],
        },
      },
      {
        name: 'requests',
        sum: {
          aggregationTemporality: 'AGGREGATION_TEMPORALITY_CUMULATIVE',
          isMonotonic: true,
          dataPoints: [{ timeUnixNano: '1700000000000000000', asInt: '1000', flags: 1 }],
        },
      },
      {
        name: 'inflight',
        sum: { aggregationTemporality: 1, dataPoints: [{ timeUnixNano: '1700000000000000000', asDouble: -2 }] },
      },
      {
        name: 'latency',
        unit: 'ms',
        histogram: {
          aggregationTemporality: 'AGGREGATION_TEMPORALITY_DELTA',
          dataPoints: [
            {
              timeUnixNano: '1700000000000000000',
              count: '5',
              sum: 12.5,
              bucketCounts: ['1', 2, '2'],
              explicitBounds: [1, 10],
              min: 0.5,
              max: 9,
              exemplars: [{ timeUnixNano: '1700000000000000000', asDouble: 9, traceId: TRACE, spanId: SPAN }],
            },
          ],
        },
      },
      {
        name: 'latency.exp',
        exponentialHistogram: {
          aggregationTemporality: 2,
          dataPoints: [
            {
              timeUnixNano: '1700000000000000000',
              count: '6',
              sum: 20,
              scale: -3,
              zeroCount: '1',
              positive: { offset: -2, bucketCounts: ['2', '3'] },
              negative: { offset: 1, bucketCounts: [] },
              min: 0,
              max: 12,
            },
          ],
        },
      },
      {
        name: 'rpc.duration',
        summary: {
          dataPoints: [
            {
              timeUnixNano: '1700000000000000000',
              count: '10',
              sum: 55.5,
              quantileValues: [
                { quantile: 0.5, value: 3 },
                { quantile: 0.99, value: 9.75 },
              ],
            },
          ],
        },
      },
    ]),
    expected: {
      otel_metrics_gauge: [
        {
          ServiceName: 'golden-metrics',
          ScopeName: 'meter',
          ScopeVersion: '3.0.0',
          ScopeDroppedAttrCount: 2,
          MetricName: 'queue.depth',
          MetricDescription: 'items waiting',
          MetricUnit: '{item}',
          Attributes: { queue: 'a' },
          StartTimeUnix: 1699999990,
          TimeUnix: 1700000000,
          Value: 42,
          'Exemplars.FilteredAttributes': [{ user: 'u1' }, {}],
          'Exemplars.TimeUnix': [1700000000, 1700000000],
          'Exemplars.Value': [41.5, 40],
          'Exemplars.SpanId': [SPAN, ''],
          'Exemplars.TraceId': [TRACE, ''],
        },
        { Value: -7 },
        { Value: 0.25 },
        { Value: 5 },
      ],
      otel_metrics_sum: [
        { MetricName: 'requests', Value: 1000, AggregationTemporality: 2, IsMonotonic: true, Flags: 1 },
        { MetricName: 'inflight', Value: -2, AggregationTemporality: 1, IsMonotonic: false },
      ],
      otel_metrics_histogram: [
        {
          MetricName: 'latency',
          MetricUnit: 'ms',
          Count: 5,
          Sum: 12.5,
          BucketCounts: [1, 2, 2],
          ExplicitBounds: [1, 10],
          Min: 0.5,
          Max: 9,
          AggregationTemporality: 1,
          'Exemplars.Value': [9],
          'Exemplars.TraceId': [TRACE],
        },
      ],
      otel_metrics_exponential_histogram: [
        {
          MetricName: 'latency.exp',
          Count: 6,
          Sum: 20,
          Scale: -3,
          ZeroCount: 1,
          PositiveOffset: -2,
          PositiveBucketCounts: [2, 3],
          NegativeOffset: 1,
          NegativeBucketCounts: [],
          Min: 0,
          Max: 12,
          AggregationTemporality: 2,
        },
      ],
      otel_metrics_summary: [
        { MetricName: 'rpc.duration', Count: 10, Sum: 55.5, 'ValueAtQuantiles.Quantile': [0.5, 0.99], 'ValueAtQuantiles.Value': [3, 9.75] },
      ],
    },
  },
];

/** Reads the RowBinary bodies back into column-keyed rows (which also checks that each body holds exactly `count` rows). */
function rowsByTable(mapped: MappedRequest): Record<string, Row[]> {
  const out: Record<string, Row[]> = {};
  for (const t of mapped.tables) out[t.table] = readRowBinary(t.body, t.columns, t.count);
  return out;
}

for (const c of CASES) {
  test(`golden: ${c.name}`, () => {
    const json = decodeRequest(c.signal, 'json', Buffer.from(JSON.stringify(c.request)));
    const proto = decodeRequest(c.signal, 'protobuf', otlpJsonToProto(c.signal, c.request));
    assert.deepEqual(
      proto.tables.map((t) => ({ ...t, body: t.body.toString('hex') })),
      json.tables.map((t) => ({ ...t, body: t.body.toString('hex') })),
      'protobuf and JSON encodings of the same request map to byte-identical rows',
    );
    assert.equal(json.rejected, c.rejected ?? 0, `rejected count (${json.errors.join('; ')})`);
    assert.deepEqual(proto.errors, json.errors, 'same rejection messages');

    const actual = rowsByTable(json);
    assert.deepEqual(Object.keys(actual).sort(), Object.keys(c.expected).sort(), 'tables written');
    for (const [table, expectedRows] of Object.entries(c.expected)) {
      const rows = actual[table] ?? [];
      assert.equal(rows.length, expectedRows.length, `${table}: number of rows`);
      expectedRows.forEach((expected, i) => {
        const row = rows[i]!;
        const picked = Object.fromEntries(Object.keys(expected).map((k) => [k, row[k]]));
        assert.deepEqual(picked, expected, `${table} row ${i}`);
      });
    }
  });
}

test('golden: the rejection message names the bad span and id', () => {
  const request = traces([span({ name: 'bad', traceId: 'xyz' })]);
  const json = decodeRequest('traces', 'json', Buffer.from(JSON.stringify(request)));
  assert.equal(json.rejected, 1);
  assert.equal(json.accepted, 0);
  assert.deepEqual(json.tables, []);
  assert.match(json.errors[0] ?? '', /"bad".*trace id "xyz"/);
});

test('golden: otel_logs rows are declared with the ClickStack column names and types (SCHEMA.md)', () => {
  const mapped = decodeRequest('logs', 'json', Buffer.from(JSON.stringify(logs([{ timeUnixNano: T0 }]))));
  const MAP = 'Map(LowCardinality(String), String)';
  assert.deepEqual(
    mapped.tables[0]?.columns.map(([name, type]) => `${name} ${type}`),
    [
      'Timestamp DateTime64(9)',
      'TraceId String',
      'SpanId String',
      'TraceFlags UInt8',
      'SeverityText LowCardinality(String)',
      'SeverityNumber UInt8',
      'ServiceName LowCardinality(String)',
      'Body String',
      'ResourceSchemaUrl LowCardinality(String)',
      `ResourceAttributes ${MAP}`,
      'ScopeSchemaUrl LowCardinality(String)',
      'ScopeName String',
      'ScopeVersion LowCardinality(String)',
      `ScopeAttributes ${MAP}`,
      `LogAttributes ${MAP}`,
      'EventName String',
    ],
  );
});
