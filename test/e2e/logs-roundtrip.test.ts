import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, SimpleLogRecordProcessor, type LogRecordExporter } from '@opentelemetry/sdk-logs';
import { OTLPLogExporter as GrpcExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as ProtoExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPLogExporter as JsonExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { startTestSpyglass, waitForRows } from '../support/start-test-spyglass.ts';
import { T, chDateTime64 } from '../support/ingest-helpers.ts';

let spy: Awaited<ReturnType<typeof startTestSpyglass>>;
before(async () => {
  spy = await startTestSpyglass({ clickhouseHttp: { enabled: false } });
});
after(async () => {
  await spy.shutdown();
});

interface LogRow {
  Timestamp: string;
  TraceId: string;
  SpanId: string;
  TraceFlags: number;
  SeverityText: string;
  SeverityNumber: number;
  ServiceName: string;
  Body: string;
  ResourceSchemaUrl: string;
  ResourceAttributes: Record<string, string>;
  ScopeSchemaUrl: string;
  ScopeName: string;
  ScopeVersion: string;
  ScopeAttributes: Record<string, string>;
  LogAttributes: Record<string, string>;
  EventName: string;
}

const transports: Array<[string, (url: { grpc: string; http: string }) => LogRecordExporter]> = [
  ['grpc', (u) => new GrpcExporter({ url: u.grpc })],
  ['http-protobuf', (u) => new ProtoExporter({ url: `${u.http}/v1/logs` })],
  ['http-json', (u) => new JsonExporter({ url: `${u.http}/v1/logs` })],
];

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const SPAN_ID = 'b7ad6b7169203331';

for (const [transport, makeExporter] of transports) {
  test(`logs round-trip every otel_logs column through the real OTel JS exporter over ${transport}`, async () => {
    const exporter = makeExporter({
      grpc: `http://127.0.0.1:${spy.ports.otlpGrpc}`,
      http: `http://127.0.0.1:${spy.ports.otlpHttp}`,
    });
    const service = `logs-${transport}`;
    const provider = new LoggerProvider({
      resource: resourceFromAttributes(
        { 'service.name': service, 'service.version': '1.2.3', 'host.cores': 2 },
        { schemaUrl: 'https://opentelemetry.io/schemas/1.30.0' },
      ),
      processors: [new SimpleLogRecordProcessor({ exporter })],
    });
    const logger = provider.getLogger('roundtrip-logger', '4.5.6', {
      schemaUrl: 'https://example.com/scope-schema',
      attributes: { 'scope.attr': 'scoped', 'scope.n': 7 },
    });
    const sampled = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      traceFlags: TraceFlags.SAMPLED,
    });
    const unsampled = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: 'ffffffffffffffffffffffffffffff01',
      spanId: 'ffffffffffffff01',
      traceFlags: TraceFlags.NONE,
    });

    logger.emit({
      timestamp: [T, 123_456_789],
      observedTimestamp: [T + 5, 0],
      severityNumber: SeverityNumber.WARN,
      severityText: 'WARN',
      eventName: 'order.placed',
      body: 'order 42 placed: "quoted" ünïcode\nsecond line',
      context: sampled,
      attributes: {
        str: 'héllo\ttab',
        int: 42,
        negative: -7,
        double: 3.25,
        bool: false,
        bytes: new Uint8Array([1, 2, 3, 255]),
        'str.array': ['a', 'b'],
        'int.array': [1, 2, 3],
        map: { user: 'alice', n: 1 },
      },
    });
    logger.emit({
      timestamp: [T, 200_000_000],
      severityNumber: SeverityNumber.ERROR,
      severityText: 'ERROR',
      body: { user: 'alice', items: [1, 2], nested: { ok: true, ratio: 0.5 } },
    });
    logger.emit({
      timestamp: [T, 300_000_000],
      severityNumber: SeverityNumber.DEBUG,
      severityText: 'debug',
      body: 'unsampled',
      context: unsampled,
    });
    await provider.forceFlush();
    await provider.shutdown();

    const rows = await waitForRows<LogRow>(
      spy,
      `SELECT * FROM otel_logs WHERE ServiceName = '${service}' ORDER BY Timestamp`,
      (r) => r.length >= 3,
    );
    assert.equal(rows.length, 3, 'each log record stored exactly once');
    const [first, mapBody, debug] = rows as [LogRow, LogRow, LogRow];

    assert.equal(
      first.Timestamp,
      chDateTime64(T, 123_456_789),
      'record time, nanosecond-exact (not the observed time)',
    );
    assert.equal(first.TraceId, TRACE_ID);
    assert.equal(first.SpanId, SPAN_ID);
    assert.equal(String(first.TraceFlags), '1');
    assert.equal(first.SeverityText, 'WARN');
    assert.equal(String(first.SeverityNumber), '13');
    assert.equal(first.ServiceName, service);
    assert.equal(first.Body, 'order 42 placed: "quoted" ünïcode\nsecond line');
    assert.equal(first.EventName, 'order.placed');
    assert.equal(first.ResourceSchemaUrl, 'https://opentelemetry.io/schemas/1.30.0');
    assert.deepEqual(first.ResourceAttributes, {
      'service.name': service,
      'service.version': '1.2.3',
      'host.cores': '2',
    });
    assert.equal(first.ScopeName, 'roundtrip-logger');
    assert.equal(first.ScopeVersion, '4.5.6');
    assert.equal(first.ScopeSchemaUrl, 'https://example.com/scope-schema');
    assert.deepEqual(first.ScopeAttributes, { 'scope.attr': 'scoped', 'scope.n': '7' });
    assert.deepEqual(first.LogAttributes, {
      str: 'héllo\ttab',
      int: '42',
      negative: '-7',
      double: '3.25',
      bool: 'false',
      bytes: 'AQID/w==',
      'str.array': '["a","b"]',
      'int.array': '[1,2,3]',
      map: '{"n":1,"user":"alice"}',
    });

    assert.equal(mapBody.Timestamp, chDateTime64(T, 200_000_000));
    assert.equal(
      mapBody.Body,
      '{"items":[1,2],"nested":{"ok":true,"ratio":0.5},"user":"alice"}',
      'map bodies stored as JSON text, keys sorted like the Collector',
    );
    assert.deepEqual(JSON.parse(mapBody.Body), {
      user: 'alice',
      items: [1, 2],
      nested: { ok: true, ratio: 0.5 },
    });
    assert.equal(String(mapBody.SeverityNumber), '17');
    assert.equal(mapBody.SeverityText, 'ERROR');
    assert.equal(mapBody.TraceId, '', 'no trace context: empty ids');
    assert.equal(mapBody.SpanId, '');
    assert.equal(String(mapBody.TraceFlags), '0');
    assert.equal(mapBody.EventName, '');
    assert.deepEqual(mapBody.LogAttributes, {});

    assert.equal(debug.TraceId, 'ffffffffffffffffffffffffffffff01');
    assert.equal(debug.SpanId, 'ffffffffffffff01');
    assert.equal(String(debug.TraceFlags), '0', 'unsampled context keeps its ids with flags 0');
    assert.equal(debug.SeverityText, 'debug');
    assert.equal(String(debug.SeverityNumber), '5');

    const [byTrace] = await spy.store.driver.queryRows<{ n: number }>(
      `SELECT count() AS n FROM otel_logs WHERE TraceId = '${TRACE_ID}' AND ServiceName = '${service}'`,
    );
    assert.equal(String(byTrace?.n), '1', 'logs can be correlated with their trace by TraceId');
  });
}

test('OTLP/JSON log with timeUnixNano 0 takes its Timestamp from observedTimeUnixNano (SCHEMA.md)', async () => {
  const service = 'logs-observed-fallback';
  const request = {
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeLogs: [
          {
            scope: { name: 'raw' },
            logRecords: [
              {
                timeUnixNano: '0',
                observedTimeUnixNano: `${T}000000042`,
                body: { stringValue: 'observed only' },
              },
              { observedTimeUnixNano: `${T + 1}000000000`, body: { stringValue: 'time omitted' } },
              {
                timeUnixNano: `${T + 2}000000007`,
                observedTimeUnixNano: `${T + 60}000000000`,
                body: { stringValue: 'both set' },
              },
            ],
          },
        ],
      },
    ],
  };
  const res = await fetch(`http://127.0.0.1:${spy.ports.otlpHttp}/v1/logs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(request),
  });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), {}, 'full success: no partialSuccess');

  const rows = await waitForRows<{ Timestamp: string; Body: string }>(
    spy,
    `SELECT Timestamp, Body FROM otel_logs WHERE ServiceName = '${service}' ORDER BY Timestamp`,
    (r) => r.length >= 3,
  );
  assert.deepEqual(rows, [
    { Timestamp: chDateTime64(T, 42), Body: 'observed only' },
    { Timestamp: chDateTime64(T + 1), Body: 'time omitted' },
    { Timestamp: chDateTime64(T + 2, 7), Body: 'both set' },
  ]);
});
