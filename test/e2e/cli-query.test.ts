import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runQuery, runTrace } from '@spyglass/cli';
import { startTestSpyglass, waitForRows } from '../support/start-test-spyglass.ts';

/** `spyglass query` and `spyglass trace` against a real all-in-one, in-process and as the real binary. */
let spy: Awaited<ReturnType<typeof startTestSpyglass>>;
let api: string;
const TRACE = 'ab'.repeat(16);
const CLI = join(import.meta.dirname, '../../packages/cli/bin/spyglass.js');

before(async () => {
  spy = await startTestSpyglass({ clickhouseHttp: { enabled: false } });
  api = `http://127.0.0.1:${spy.ports.http}`;
  const now = BigInt(Date.now() - 5_000) * 1_000_000n;
  const span = (
    id: string,
    parent: string | undefined,
    service: string,
    name: string,
    offsetMs: number,
    ms: number,
    error = false,
  ) => ({
    resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
    scopeSpans: [
      {
        spans: [
          {
            traceId: TRACE,
            spanId: id,
            ...(parent ? { parentSpanId: parent } : {}),
            name,
            kind: 2,
            startTimeUnixNano: String(now + BigInt(offsetMs) * 1_000_000n),
            endTimeUnixNano: String(now + BigInt(offsetMs + ms) * 1_000_000n),
            ...(error ? { status: { code: 2 } } : {}),
          },
        ],
      },
    ],
  });
  const body = {
    resourceSpans: [
      span('0000000000000001', undefined, 'web', 'GET /checkout', 0, 100),
      span('0000000000000002', '0000000000000001', 'orders', 'create order', 10, 60, true),
      span('0000000000000003', '0000000000000002', 'orders', 'INSERT orders', 20, 30),
    ],
  };
  const r = await fetch(`http://127.0.0.1:${spy.ports.otlpHttp}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(r.status, 200);
  await waitForRows(spy, `SELECT 1 FROM otel_traces WHERE TraceId = '${TRACE}'`, (rows) => rows.length === 3);
});
after(async () => {
  await spy.shutdown();
});

test('spyglass query prints a table, and JSON lines with --json', async () => {
  const lines: string[] = [];
  await runQuery(
    { api, search: 'service:orders', signal: 'traces', since: '1h', limit: 10, sql: false, json: false },
    (l) => lines.push(l),
  );
  assert.match(lines[0]!, /^# service contains orders/);
  assert.match(lines[1]!, /Timestamp\s+ServiceName\s+SpanName\s+Duration\s+StatusCode\s+TraceId/);
  assert.ok(lines.some((l) => /orders\s+create order\s+60\.0ms\s+Error/.test(l)));
  assert.equal(lines.at(-1), '(2 rows)');
  const json: string[] = [];
  await runQuery(
    { api, search: 'service:orders', signal: 'traces', since: '1h', limit: 10, sql: false, json: true },
    (l) => json.push(l),
  );
  assert.deepEqual(json.map((l) => (JSON.parse(l) as { SpanName: string }).SpanName).sort(), [
    'INSERT orders',
    'create order',
  ]);
});

test('spyglass trace prints the waterfall in tree order', async () => {
  const lines: string[] = [];
  await runTrace(api, TRACE, false, (l) => lines.push(l));
  assert.match(lines[0]!, /3 spans, 100\.0 ms, 2 services/);
  assert.match(lines[1]!, /^web: GET \/checkout\s+█+\s+100\.0ms$/);
  assert.match(lines[2]!, /^ {2}orders: create order\s+ *!+ *\s+60\.0ms ERROR$/);
  assert.match(lines[3]!, /^ {4}orders: INSERT orders/);
});

test('the real binary reports a search syntax error with a caret and exit code 1', async () => {
  const result = await promisify(execFile)(process.execPath, [CLI, 'query', 'service:', '--api', api]).catch(
    (err: { code: number; stderr: string }) => err,
  );
  assert.equal((result as { code: number }).code, 1);
  assert.match((result as { stderr: string }).stderr, /expected a value after ':'/);
  assert.match((result as { stderr: string }).stderr, /\n {2}service:\n {2} {7}\^/);
  const ok = await promisify(execFile)(process.execPath, [CLI, 'trace', TRACE, '--api', api]);
  assert.match(ok.stdout, /web: GET \/checkout/);
});
