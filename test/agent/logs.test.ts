import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  describeSpans,
  lit,
  runFixture,
  useBackend,
  uniqueService,
  waitForSpans,
} from '../support/agent-harness.ts';

// Logs through the agent: console (the agent's console bridge), pino, winston and bunyan (the
// upstream log-sending instrumentations). Records written while a request's span is active
// carry its TraceId/SpanId; each is stored once, with its severity.

const backend = useBackend();

interface LogRow {
  TraceId: string;
  SpanId: string;
  SeverityText: string;
  SeverityNumber: number;
  Body: string;
  LogAttributes: Record<string, string>;
}

test('console, pino, winston and bunyan records inside a request carry its trace and span ids and severity', async () => {
  const service = uniqueService('agent-logs');
  const result = await runFixture('logs-app.cjs', { service, endpoint: backend().otlpUrl });
  // The application's own output is unchanged: console and the loggers still print.
  assert.match(result.stdout, /startup line outside any span/);
  assert.match(result.stdout, /console info in request \/log-me/);
  assert.match(result.stdout, /"msg":"pino info in request"/);
  assert.match(result.stdout, /winston info in request/);
  assert.match(result.stdout, /"msg":"bunyan info in request"/);
  assert.match(result.stderr, /console warn in request\nconsole error in request/);

  const expected: Array<[body: string, severity: string, number: number]> = [
    ['console info in request /log-me', 'INFO', 9],
    ['console warn in request', 'WARN', 13],
    ['console error in request', 'ERROR', 17],
    ['pino info in request', 'INFO', 9],
    ['pino error in request', 'ERROR', 17],
    ['winston info in request', 'INFO', 9],
    ['winston warn in request', 'WARN', 13],
    ['bunyan info in request', 'INFO', 9],
    ['bunyan error in request', 'ERROR', 17],
  ];
  const logs = await backend().waitFor<LogRow>(
    `SELECT TraceId, SpanId, SeverityText, SeverityNumber, Body, LogAttributes FROM otel_logs
     WHERE ServiceName = ${lit(service)} ORDER BY Timestamp`,
    (rows) => expected.every(([body]) => rows.some((r) => r.Body === body)),
  );
  const spans = await waitForSpans(backend(), service, (rows) => rows.some((s) => s.SpanKind === 'Server'));
  const server = spans.find((s) => s.SpanKind === 'Server');
  assert.ok(server, describeSpans(spans));
  const dump = JSON.stringify(logs, null, 1);

  for (const [body, severity, number] of expected) {
    const records = logs.filter((r) => r.Body === body);
    assert.equal(records.length, 1, `"${body}" stored exactly once\n${dump}`);
    const record = records[0]!;
    assert.equal(record.TraceId, server.TraceId, `"${body}" has the request's TraceId`);
    assert.equal(record.SpanId, server.SpanId, `"${body}" has the request span's SpanId`);
    assert.equal(record.SeverityText.toUpperCase(), severity, `"${body}" severity`);
    assert.equal(Number(record.SeverityNumber), number, `"${body}" severity number`);
  }
  // Structured fields become attributes.
  for (const lib of ['pino', 'winston', 'bunyan'])
    assert.equal(logs.find((r) => r.Body === `${lib} info in request`)?.LogAttributes['orderId'], '7', dump);

  // A record outside any span has no trace context.
  const startup = logs.find((r) => r.Body === 'startup line outside any span');
  assert.ok(startup, dump);
  assert.equal(startup.TraceId, '');
  assert.equal(startup.SpanId, '');
});
