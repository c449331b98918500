import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  AggregationType,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type ExponentialHistogram,
  type PushMetricExporter,
} from '@opentelemetry/sdk-metrics';
import { OTLPMetricExporter as GrpcExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as ProtoExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPMetricExporter as JsonExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { startTestSpyglass, waitForRows } from '../support/start-test-spyglass.ts';
import {
  decodePartialSuccess,
  otlpJsonToProto,
} from '../../packages/otlp/test/support/otlp-json-to-proto.ts';
import { T, chDateTime } from '../support/ingest-helpers.ts';

let spy: Awaited<ReturnType<typeof startTestSpyglass>>;
before(async () => {
  spy = await startTestSpyglass({ clickhouseHttp: { enabled: false } });
});
after(async () => {
  await spy.shutdown();
});

interface CommonRow {
  ResourceAttributes: Record<string, string>;
  ResourceSchemaUrl: string;
  ScopeName: string;
  ScopeVersion: string;
  ScopeAttributes: Record<string, string>;
  ServiceName: string;
  MetricName: string;
  MetricDescription: string;
  MetricUnit: string;
  Attributes: Record<string, string>;
  StartTimeUnix: string;
  TimeUnix: string;
  Flags: number;
  'Exemplars.FilteredAttributes': Array<Record<string, string>>;
  'Exemplars.TimeUnix': string[];
  'Exemplars.Value': number[];
  'Exemplars.SpanId': string[];
  'Exemplars.TraceId': string[];
}
interface SumRow extends CommonRow {
  Value: number;
  AggregationTemporality: number;
  IsMonotonic: boolean | number;
}
interface HistogramRow extends CommonRow {
  Count: number;
  Sum: number;
  BucketCounts: number[];
  ExplicitBounds: number[];
  Min: number;
  Max: number;
  AggregationTemporality: number;
}
interface ExpHistogramRow extends CommonRow {
  Count: number;
  Sum: number;
  Scale: number;
  ZeroCount: number;
  PositiveOffset: number;
  PositiveBucketCounts: number[];
  NegativeOffset: number;
  NegativeBucketCounts: number[];
  Min: number;
  Max: number;
  AggregationTemporality: number;
}
interface SummaryRow extends Omit<CommonRow, `Exemplars.${string}`> {
  Count: number;
  Sum: number;
  'ValueAtQuantiles.Quantile': number[];
  'ValueAtQuantiles.Value': number[];
}

const transports: Array<[string, (url: { grpc: string; http: string }) => PushMetricExporter]> = [
  ['grpc', (u) => new GrpcExporter({ url: u.grpc })],
  ['http-protobuf', (u) => new ProtoExporter({ url: `${u.http}/v1/metrics` })],
  ['http-json', (u) => new JsonExporter({ url: `${u.http}/v1/metrics` })],
];

/** ClickHouse DateTime text (UTC) of a Unix time in ms, truncated to the second. */
function dateTimeText(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19).replace('T', ' ');
}

const nums = (xs: readonly unknown[]) => xs.map((x) => Number(x));

for (const [transport, makeExporter] of transports) {
  test(`metrics round-trip sums, gauges, histograms and exponential histograms over ${transport}`, async () => {
    const exporter = makeExporter({
      grpc: `http://127.0.0.1:${spy.ports.otlpGrpc}`,
      http: `http://127.0.0.1:${spy.ports.otlpHttp}`,
    });
    const reference = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const service = `metrics-${transport}`;
    const provider = new MeterProvider({
      resource: resourceFromAttributes({ 'service.name': service, 'deployment.environment.name': 'test' }),
      readers: [
        new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 }),
        new PeriodicExportingMetricReader({ exporter: reference, exportIntervalMillis: 3_600_000 }),
      ],
      views: [
        { instrumentName: 'payload.size', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } },
      ],
    });
    const before = Date.now();
    const meter = provider.getMeter('roundtrip-meter', '7.8.9');

    const requests = meter.createCounter('http.requests', {
      description: 'requests served',
      unit: '{request}',
    });
    requests.add(5, { 'http.route': '/a', 'http.status_code': 200 });
    requests.add(2, { 'http.route': '/a', 'http.status_code': 200 });
    requests.add(3, { 'http.route': '/b', 'http.status_code': 500, retry: true });

    const queue = meter.createUpDownCounter('queue.size', { description: 'items queued' });
    queue.add(10, { queue: 'q1' });
    queue.add(-3, { queue: 'q1' });

    meter.createObservableGauge('room.temperature', { unit: 'Cel' }).addCallback((r) => {
      r.observe(21.5, { room: 'a' });
      r.observe(-4.25, { room: 'b' });
    });

    const latency = meter.createHistogram('http.latency', {
      unit: 'ms',
      advice: { explicitBucketBoundaries: [10, 100, 1000] },
    });
    for (const v of [5, 50, 50, 500, 5000]) latency.record(v, { 'http.route': '/a' });

    const payload = meter.createHistogram('payload.size', { unit: 'By' });
    for (const v of [0, 1, 3, 8, 1024]) payload.record(v, { kind: 'upload' });

    await provider.forceFlush();
    const after = Date.now();

    // --- sums: counter and up-down counter
    const sums = await waitForRows<SumRow>(
      spy,
      `SELECT * FROM otel_metrics_sum WHERE ServiceName = '${service}' ORDER BY MetricName, Attributes['http.route']`,
      (r) => r.length >= 3,
    );
    assert.equal(sums.length, 3, 'one row per metric stream, stored once');
    const [reqA, reqB, q] = sums as [SumRow, SumRow, SumRow];
    assert.equal(reqA.MetricName, 'http.requests');
    assert.equal(reqA.MetricDescription, 'requests served');
    assert.equal(reqA.MetricUnit, '{request}');
    assert.deepEqual(reqA.Attributes, { 'http.route': '/a', 'http.status_code': '200' });
    assert.equal(reqA.Value, 7, 'cumulative sum of the two adds');
    assert.equal(String(reqA.AggregationTemporality), '2', 'cumulative');
    assert.equal(String(reqA.IsMonotonic), 'true');
    assert.deepEqual(reqB.Attributes, { 'http.route': '/b', 'http.status_code': '500', retry: 'true' });
    assert.equal(reqB.Value, 3);
    assert.equal(q.MetricName, 'queue.size');
    assert.equal(q.Value, 7);
    assert.equal(String(q.IsMonotonic), 'false', 'an up-down counter is not monotonic');
    assert.equal(String(q.AggregationTemporality), '2');
    for (const row of sums) {
      assert.equal(row.ServiceName, service);
      assert.deepEqual(row.ResourceAttributes, {
        'service.name': service,
        'deployment.environment.name': 'test',
      });
      assert.equal(row.ScopeName, 'roundtrip-meter');
      assert.equal(row.ScopeVersion, '7.8.9');
      assert.ok(
        row.TimeUnix >= dateTimeText(before) && row.TimeUnix <= dateTimeText(after),
        `TimeUnix ${row.TimeUnix} is the collection time`,
      );
      assert.ok(row.StartTimeUnix <= row.TimeUnix, 'StartTimeUnix <= TimeUnix');
      assert.ok(
        row.StartTimeUnix >= dateTimeText(before - 1000),
        `StartTimeUnix ${row.StartTimeUnix} is the start of the stream`,
      );
      assert.deepEqual(row['Exemplars.Value'], []);
    }

    // --- gauge
    const gauges = await waitForRows<SumRow>(
      spy,
      `SELECT * FROM otel_metrics_gauge WHERE ServiceName = '${service}' ORDER BY Attributes['room']`,
      (r) => r.length >= 2,
    );
    assert.equal(gauges.length, 2);
    assert.deepEqual(
      gauges.map((g) => [g.MetricName, g.MetricUnit, g.Attributes, g.Value]),
      [
        ['room.temperature', 'Cel', { room: 'a' }, 21.5],
        ['room.temperature', 'Cel', { room: 'b' }, -4.25],
      ],
    );

    // --- explicit-bucket histogram
    const [h] = await waitForRows<HistogramRow>(
      spy,
      `SELECT * FROM otel_metrics_histogram WHERE ServiceName = '${service}'`,
      (r) => r.length >= 1,
    );
    assert.ok(h);
    assert.equal(h.MetricName, 'http.latency');
    assert.equal(h.MetricUnit, 'ms');
    assert.deepEqual(h.Attributes, { 'http.route': '/a' });
    assert.equal(String(h.Count), '5');
    assert.equal(h.Sum, 5605);
    assert.deepEqual(nums(h.BucketCounts), [1, 2, 1, 1], '(-inf,10] (10,100] (100,1000] (1000,+inf)');
    assert.deepEqual(h.ExplicitBounds, [10, 100, 1000]);
    assert.equal(h.Min, 5);
    assert.equal(h.Max, 5000);
    assert.equal(String(h.AggregationTemporality), '2');

    // --- exponential histogram, checked against what the SDK itself computed
    const [e] = await waitForRows<ExpHistogramRow>(
      spy,
      `SELECT * FROM otel_metrics_exponential_histogram WHERE ServiceName = '${service}'`,
      (r) => r.length >= 1,
    );
    assert.ok(e);
    const refMetric = reference
      .getMetrics()
      .at(-1)
      ?.scopeMetrics.flatMap((s) => s.metrics)
      .find((m) => m.descriptor.name === 'payload.size');
    const ref = refMetric?.dataPoints[0]?.value as ExponentialHistogram | undefined;
    assert.ok(ref, 'the SDK produced an exponential histogram');
    assert.equal(e.MetricName, 'payload.size');
    assert.deepEqual(e.Attributes, { kind: 'upload' });
    assert.equal(String(e.Count), '5');
    assert.equal(e.Sum, 1036);
    assert.equal(String(e.ZeroCount), '1', 'the 0 measurement lands in the zero bucket');
    assert.equal(e.Min, 0);
    assert.equal(e.Max, 1024);
    assert.equal(e.Scale, ref.scale);
    assert.equal(e.PositiveOffset, ref.positive.offset);
    assert.deepEqual(nums(e.PositiveBucketCounts), ref.positive.bucketCounts);
    assert.equal(
      nums(e.PositiveBucketCounts).reduce((a, b) => a + b, 0),
      4,
      'the four positive measurements are all in the positive buckets',
    );
    assert.deepEqual(nums(e.NegativeBucketCounts), ref.negative.bucketCounts);
    assert.equal(String(e.AggregationTemporality), '2');

    await provider.shutdown();
  });
}

const TRACE_ID = '4BF92F3577B34DA6A3CE929D0E0E4736';
const SPAN_ID = '00F067AA0BA902B7';

/** What the JS SDK cannot emit: summaries and exemplars. */
function handWrittenMetrics(service: string): object {
  const kv = (key: string, value: string) => ({ key, value: { stringValue: value } });
  return {
    resourceMetrics: [
      {
        resource: { attributes: [kv('service.name', service)] },
        schemaUrl: 'https://opentelemetry.io/schemas/1.30.0',
        scopeMetrics: [
          {
            scope: { name: 'hand-written', version: '0.0.1', attributes: [kv('scope.k', 'v')] },
            metrics: [
              {
                name: 'rpc.duration',
                description: 'RPC latency summary',
                unit: 's',
                summary: {
                  dataPoints: [
                    {
                      attributes: [kv('rpc.method', 'Get')],
                      startTimeUnixNano: `${T - 60}000000000`,
                      timeUnixNano: `${T}000000000`,
                      count: '120',
                      sum: 33.75,
                      quantileValues: [
                        { quantile: 0, value: 0.01 },
                        { quantile: 0.5, value: 0.2 },
                        { quantile: 0.99, value: 1.5 },
                        { quantile: 1, value: 2.25 },
                      ],
                    },
                  ],
                },
              },
              {
                name: 'queue.depth',
                gauge: {
                  dataPoints: [
                    {
                      timeUnixNano: `${T}000000000`,
                      asInt: '42',
                      attributes: [kv('queue', 'main')],
                      exemplars: [
                        {
                          filteredAttributes: [
                            kv('user.id', 'u1'),
                            { key: 'attempt', value: { intValue: '3' } },
                          ],
                          timeUnixNano: `${T - 1}500000000`,
                          asDouble: 41.5,
                          spanId: SPAN_ID,
                          traceId: TRACE_ID,
                        },
                      ],
                    },
                  ],
                },
              },
              {
                name: 'db.latency',
                unit: 'ms',
                histogram: {
                  aggregationTemporality: 'AGGREGATION_TEMPORALITY_DELTA',
                  dataPoints: [
                    {
                      startTimeUnixNano: `${T - 10}000000000`,
                      timeUnixNano: `${T}000000000`,
                      count: '3',
                      sum: 61,
                      bucketCounts: ['1', '1', '1'],
                      explicitBounds: [5, 50],
                      min: 1,
                      max: 55,
                      exemplars: [
                        {
                          timeUnixNano: `${T - 2}000000000`,
                          asDouble: 55,
                          traceId: TRACE_ID,
                          spanId: SPAN_ID,
                        },
                        {
                          timeUnixNano: `${T - 3}000000000`,
                          asInt: '1',
                          filteredAttributes: [kv('db.op', 'select')],
                        },
                      ],
                    },
                  ],
                },
              },
            ],
          },
        ],
      },
    ],
  };
}

for (const encoding of ['json', 'protobuf'] as const) {
  test(`hand-written OTLP/${encoding} summaries and exemplars land in their columns`, async () => {
    const service = `metrics-hand-written-${encoding}`;
    const request = handWrittenMetrics(service);
    const res = await fetch(`http://127.0.0.1:${spy.ports.otlpHttp}/v1/metrics`, {
      method: 'POST',
      headers: { 'content-type': encoding === 'json' ? 'application/json' : 'application/x-protobuf' },
      body: encoding === 'json' ? JSON.stringify(request) : otlpJsonToProto('metrics', request),
    });
    assert.equal(res.status, 200);
    if (encoding === 'json') assert.deepEqual(await res.json(), {});
    else
      assert.equal(
        decodePartialSuccess(Buffer.from(await res.arrayBuffer())),
        undefined,
        'full success: empty response',
      );

    const [s] = await waitForRows<SummaryRow>(
      spy,
      `SELECT * FROM otel_metrics_summary WHERE ServiceName = '${service}'`,
      (r) => r.length >= 1,
    );
    assert.ok(s);
    assert.equal(s.MetricName, 'rpc.duration');
    assert.equal(s.MetricDescription, 'RPC latency summary');
    assert.equal(s.MetricUnit, 's');
    assert.equal(s.ResourceSchemaUrl, 'https://opentelemetry.io/schemas/1.30.0');
    assert.equal(s.ScopeName, 'hand-written');
    assert.equal(s.ScopeVersion, '0.0.1');
    assert.deepEqual(s.ScopeAttributes, { 'scope.k': 'v' });
    assert.deepEqual(s.Attributes, { 'rpc.method': 'Get' });
    assert.equal(s.StartTimeUnix, chDateTime(T - 60));
    assert.equal(s.TimeUnix, chDateTime(T));
    assert.equal(String(s.Count), '120');
    assert.equal(s.Sum, 33.75);
    assert.deepEqual(s['ValueAtQuantiles.Quantile'], [0, 0.5, 0.99, 1]);
    assert.deepEqual(s['ValueAtQuantiles.Value'], [0.01, 0.2, 1.5, 2.25]);

    const [g] = await waitForRows<SumRow>(
      spy,
      `SELECT * FROM otel_metrics_gauge WHERE ServiceName = '${service}'`,
      (r) => r.length >= 1,
    );
    assert.ok(g);
    assert.equal(g.MetricName, 'queue.depth');
    assert.equal(g.Value, 42, 'asInt becomes the Float64 Value');
    assert.deepEqual(g['Exemplars.FilteredAttributes'], [{ 'user.id': 'u1', attempt: '3' }]);
    assert.deepEqual(g['Exemplars.TimeUnix'], [chDateTime(T - 1)], 'truncated to the second');
    assert.deepEqual(g['Exemplars.Value'], [41.5]);
    assert.deepEqual(g['Exemplars.SpanId'], [SPAN_ID.toLowerCase()], 'exemplar ids as lowercase hex');
    assert.deepEqual(g['Exemplars.TraceId'], [TRACE_ID.toLowerCase()]);

    const [h] = await waitForRows<HistogramRow>(
      spy,
      `SELECT * FROM otel_metrics_histogram WHERE ServiceName = '${service}'`,
      (r) => r.length >= 1,
    );
    assert.ok(h);
    assert.equal(String(h.AggregationTemporality), '1', 'delta');
    assert.equal(String(h.Count), '3');
    assert.deepEqual(nums(h.BucketCounts), [1, 1, 1]);
    assert.deepEqual(h.ExplicitBounds, [5, 50]);
    assert.equal(h.Min, 1);
    assert.equal(h.Max, 55);
    assert.deepEqual(h['Exemplars.Value'], [55, 1]);
    assert.deepEqual(h['Exemplars.TimeUnix'], [chDateTime(T - 2), chDateTime(T - 3)]);
    assert.deepEqual(
      h['Exemplars.TraceId'],
      [TRACE_ID.toLowerCase(), ''],
      'an exemplar without ids keeps empty strings',
    );
    assert.deepEqual(h['Exemplars.SpanId'], [SPAN_ID.toLowerCase(), '']);
    assert.deepEqual(h['Exemplars.FilteredAttributes'], [{}, { 'db.op': 'select' }]);
  });
}

test('a metric point whose exemplar has a malformed trace id is rejected and counted, the rest stored', async () => {
  const service = 'metrics-bad-exemplar';
  const request = handWrittenMetrics(service) as {
    resourceMetrics: Array<{ scopeMetrics: Array<{ metrics: Array<Record<string, unknown>> }> }>;
  };
  const gauge = request.resourceMetrics[0]!.scopeMetrics[0]!.metrics[1]! as {
    gauge: { dataPoints: Array<{ exemplars: Array<{ traceId: string }> }> };
  };
  gauge.gauge.dataPoints[0]!.exemplars[0]!.traceId = 'not-hex';
  const res = await fetch(`http://127.0.0.1:${spy.ports.otlpHttp}/v1/metrics`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(request),
  });
  assert.equal(res.status, 200);
  const body = (await res.json()) as {
    partialSuccess?: { rejectedDataPoints?: string; errorMessage?: string };
  };
  assert.equal(body.partialSuccess?.rejectedDataPoints, '1');
  assert.match(body.partialSuccess?.errorMessage ?? '', /queue\.depth/);
  const rows = await waitForRows<{ t: string }>(
    spy,
    `SELECT 'summary' AS t FROM otel_metrics_summary WHERE ServiceName = '${service}'
     UNION ALL SELECT 'histogram' FROM otel_metrics_histogram WHERE ServiceName = '${service}'`,
    (r) => r.length >= 2,
  );
  assert.deepEqual(rows.map((r) => r.t).sort(), ['histogram', 'summary']);
  const [gauges] = await spy.store.driver.queryRows<{ n: number }>(
    `SELECT count() AS n FROM otel_metrics_gauge WHERE ServiceName = '${service}'`,
  );
  assert.equal(String(gauges?.n), '0', 'the rejected point is not stored');
});
