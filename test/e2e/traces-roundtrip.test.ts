import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { SpanKind, SpanStatusCode, type Link } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SimpleSpanProcessor, TracerProvider, type SpanExporter } from '@opentelemetry/sdk-trace';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { startTestSpyglass, waitForRows } from '../support/start-test-spyglass.ts';

let spy: Awaited<ReturnType<typeof startTestSpyglass>>;
before(async () => {
  spy = await startTestSpyglass();
});
after(async () => {
  await spy.shutdown();
});

interface SpanRow {
  Timestamp: string;
  TraceId: string;
  SpanId: string;
  ParentSpanId: string;
  TraceState: string;
  SpanName: string;
  SpanKind: string;
  ServiceName: string;
  ResourceAttributes: Record<string, string>;
  ScopeName: string;
  ScopeVersion: string;
  SpanAttributes: Record<string, string>;
  Duration: string;
  StatusCode: string;
  StatusMessage: string;
  'Events.Timestamp': string[];
  'Events.Name': string[];
  'Events.Attributes': Array<Record<string, string>>;
  'Links.TraceId': string[];
  'Links.SpanId': string[];
  'Links.TraceState': string[];
  'Links.Attributes': Array<Record<string, string>>;
  SampleRate: string;
}

const transports: Array<[string, (url: { grpc: string; http: string }) => SpanExporter]> = [
  ['grpc', (u) => new GrpcExporter({ url: u.grpc })],
  ['http-protobuf', (u) => new ProtoExporter({ url: `${u.http}/v1/traces` })],
  ['http-json', (u) => new JsonExporter({ url: `${u.http}/v1/traces` })],
];

for (const [transport, makeExporter] of transports) {
  test(`traces round-trip every field through the real OTel JS exporter over ${transport}`, async () => {
    const exporter = makeExporter({
      grpc: `http://127.0.0.1:${spy.ports.otlpGrpc}`,
      http: `http://127.0.0.1:${spy.ports.otlpHttp}`,
    });
    const service = `svc-${transport}`;
    const provider = new TracerProvider({
      resource: resourceFromAttributes({
        'service.name': service,
        'service.version': '1.2.3',
        'host.cores': 2,
      }),
      spanProcessors: [new SimpleSpanProcessor({ exporter })],
    });
    const tracer = provider.getTracer('roundtrip-scope', '9.9.9');
    // An hour ago, at .123 s: recent enough for the retention TTL, exact enough to compare.
    const start = new Date(Math.floor(Date.now() / 1000) * 1000 - 3_600_000 + 123);
    const clickhouseTime = (d: Date, fraction = true) =>
      d
        .toISOString()
        .replace('T', ' ')
        .replace(/\.(\d{3})Z$/, fraction ? '.$1000000' : '');
    const parent = tracer.startSpan('GET /orders', { kind: SpanKind.SERVER, startTime: start });
    const parentCtx = parent.spanContext();
    const link: Link = {
      context: { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1 },
      attributes: { 'link.kind': 'batch' },
    };
    const { trace, context } = await import('@opentelemetry/api');
    const child = tracer.startSpan(
      'SELECT orders',
      {
        kind: SpanKind.CLIENT,
        startTime: new Date(start.getTime() + 5),
        links: [link],
        attributes: {
          str: 'héllo "quoted"\ttab\nline',
          int: 42,
          negative: -7,
          double: 3.25,
          bool: true,
          'str.array': ['a', 'b'],
          'int.array': [1, 2, 3],
          'bool.array': [true, false],
          SampleRate: 4,
        },
      },
      trace.setSpan(context.active(), parent),
    );
    child.addEvent(
      'exception',
      { 'exception.message': 'boom', 'exception.type': 'Error' },
      new Date(start.getTime() + 7),
    );
    child.setStatus({ code: SpanStatusCode.ERROR, message: 'query failed' });
    child.end(new Date(start.getTime() + 15));
    parent.end(new Date(start.getTime() + 20));
    await provider.forceFlush();
    await provider.shutdown();

    const rows = await waitForRows<SpanRow>(
      spy,
      `SELECT *, SampleRate FROM otel_traces WHERE ServiceName = '${service}' ORDER BY Timestamp`,
      (r) => r.length >= 2,
    );
    assert.equal(rows.length, 2, 'each span stored exactly once');
    const [p, c] = rows as [SpanRow, SpanRow];
    assert.equal(p.TraceId, parentCtx.traceId);
    assert.equal(p.SpanId, parentCtx.spanId);
    assert.equal(p.ParentSpanId, '');
    assert.equal(p.SpanKind, 'Server');
    assert.equal(p.StatusCode, 'Unset');
    assert.equal(p.Timestamp, clickhouseTime(start));
    assert.equal(String(p.Duration), '20000000');
    assert.equal(c.TraceId, parentCtx.traceId);
    assert.equal(c.ParentSpanId, parentCtx.spanId);
    assert.equal(c.SpanName, 'SELECT orders');
    assert.equal(c.SpanKind, 'Client');
    assert.equal(c.StatusCode, 'Error');
    assert.equal(c.StatusMessage, 'query failed');
    assert.equal(String(c.Duration), '10000000');
    assert.equal(c.ServiceName, service);
    assert.equal(c.ScopeName, 'roundtrip-scope');
    assert.equal(c.ScopeVersion, '9.9.9');
    assert.equal(c.ResourceAttributes['service.version'], '1.2.3');
    assert.equal(c.ResourceAttributes['host.cores'], '2');
    assert.deepEqual(
      {
        str: c.SpanAttributes['str'],
        int: c.SpanAttributes['int'],
        negative: c.SpanAttributes['negative'],
        double: c.SpanAttributes['double'],
        bool: c.SpanAttributes['bool'],
        strArray: c.SpanAttributes['str.array'],
        intArray: c.SpanAttributes['int.array'],
        boolArray: c.SpanAttributes['bool.array'],
      },
      {
        str: 'héllo "quoted"\ttab\nline',
        int: '42',
        negative: '-7',
        double: '3.25',
        bool: 'true',
        strArray: '["a","b"]',
        intArray: '[1,2,3]',
        boolArray: '[true,false]',
      },
    );
    assert.equal(String(c.SampleRate), '4', 'SampleRate materialised from the span attribute');
    assert.deepEqual(c['Events.Name'], ['exception']);
    assert.deepEqual(c['Events.Timestamp'], [clickhouseTime(new Date(start.getTime() + 7))]);
    assert.deepEqual(c['Events.Attributes'], [{ 'exception.message': 'boom', 'exception.type': 'Error' }]);
    assert.deepEqual(c['Links.TraceId'], ['a'.repeat(32)]);
    assert.deepEqual(c['Links.SpanId'], ['b'.repeat(16)]);
    assert.deepEqual(c['Links.Attributes'], [{ 'link.kind': 'batch' }]);

    const lookup = await waitForRows<{ Start: string }>(
      spy,
      `SELECT Start FROM otel_traces_trace_id_ts WHERE TraceId = '${parentCtx.traceId}'`,
      (r) => r.length >= 1,
    );
    assert.equal(
      lookup[0]?.Start,
      clickhouseTime(start, false),
      'trace-id lookup table fed by the materialized view',
    );
  });
}
