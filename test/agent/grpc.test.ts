import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  describeSpans,
  fixture,
  runFixture,
  useBackend,
  uniqueService,
  waitForSpans,
  type SpanRow,
} from '../support/agent-harness.ts';

// gRPC (@grpc/grpc-js, service loaded with @grpc/proto-loader from fixtures/greeter.proto): a
// client and a server in one process under the agent. One call succeeds, one fails NOT_FOUND.

const backend = useBackend();

const FIXTURE = fixture('grpc-app.cjs');
let spans: SpanRow[] | undefined;
async function run(): Promise<SpanRow[]> {
  if (spans) return spans;
  const service = uniqueService('agent-grpc');
  const result = await runFixture('grpc-app.cjs', { service, endpoint: backend().otlpUrl });
  assert.equal(result.stdout, 'hello ada\nerror 5\n', 'the application works as without the agent');
  spans = await waitForSpans(
    backend(),
    service,
    (rows) => rows.filter((s) => s.ScopeName === '@opentelemetry/instrumentation-grpc').length >= 4,
  );
  return spans;
}

const byRequestId = (rows: SpanRow[], kind: string, id: string) =>
  rows.find(
    (s) =>
      s.SpanKind === kind &&
      s.SpanName === 'grpc.agenttest.Greeter/SayHello' &&
      (s.SpanAttributes['rpc.request.metadata.x_request_id'] ?? '').includes(id),
  );

test('grpc-js: client and server spans of each call are connected; status codes recorded', async () => {
  const rows = await run();
  const all = describeSpans(rows);
  for (const [id, code, status] of [
    ['req-ada', '0', 'Unset'],
    ['req-nobody', '5', 'Error'],
  ] as const) {
    const client = byRequestId(rows, 'Client', id);
    const server = byRequestId(rows, 'Server', id);
    assert.ok(client && server, `client and server span for ${id}\n${all}`);
    assert.equal(server.TraceId, client.TraceId, all);
    assert.equal(server.ParentSpanId, client.SpanId, `server span is the client span's child\n${all}`);
    for (const s of [client, server]) {
      assert.equal(s.SpanAttributes['rpc.system'], 'grpc');
      assert.equal(s.SpanAttributes['rpc.service'], 'agenttest.Greeter');
      assert.equal(s.SpanAttributes['rpc.method'], 'SayHello');
      assert.equal(s.SpanAttributes['rpc.grpc.status_code'], code, all);
    }
    assert.equal(client.StatusCode, status, all);
    // The client span points at the application line that made the call.
    assert.equal(client.SpanAttributes['code.file.path'], FIXTURE);
    const line = readFileSync(FIXTURE, 'utf8')
      .split('\n')
      .findIndex((l) => l.includes('client.SayHello('));
    assert.equal(client.SpanAttributes['code.line.number'], String(line + 1));
  }
  const failed = byRequestId(rows, 'Client', 'req-nobody');
  assert.match(failed?.SpanAttributes['code.stacktrace'] ?? '', /grpc-app\.cjs:\d+:\d+/, all);
});

test('grpc-js: the authorization metadata is redacted like the authorization HTTP header', {}, async () => {
  const rows = await run();
  for (const s of rows)
    for (const [k, v] of Object.entries(s.SpanAttributes))
      assert.doesNotMatch(v, /grpc-secret/, `secret in ${s.SpanKind} ${s.SpanName} ${k}`);
});

test(
  'grpc-js: code.stacktrace of a failed call starts at the application, not inside the tracing SDK',
  {},
  async () => {
    const rows = await run();
    const failed = byRequestId(rows, 'Client', 'req-nobody');
    const stack = failed?.SpanAttributes['code.stacktrace'] ?? '';
    assert.doesNotMatch(stack, /@opentelemetry[\\/]sdk-trace|MultiSpanProcessor/, stack);
  },
);
