import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { ROOT_CONTEXT, context, createContextKey } from '@opentelemetry/api';
import { ExportResultCode, isTracingSuppressed, type ExportResult } from '@opentelemetry/core';
import { AgentContextManager } from '../src/telemetry/agent-context-manager.ts';
import { OtlpHttpTransport } from '../src/telemetry/otlp-http-transport.ts';

const listen = async (server: Server | ReturnType<typeof createTcpServer>): Promise<number> => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
};
const send = (t: OtlpHttpTransport, body = Buffer.from('x')) =>
  new Promise<ExportResult>((resolve) => t.send(body, resolve));

test('a busy gateway (503, 503, then 200) is retried until it takes the body', async () => {
  let calls = 0;
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      bodies.push(body);
      res.statusCode = ++calls < 3 ? 503 : 200;
      res.end();
    });
  });
  const port = await listen(server);
  const t = new OtlpHttpTransport({
    url: `http://127.0.0.1:${port}/v1/logs`,
    headers: {},
    timeoutMs: 10_000,
  });
  try {
    const result = await send(t, Buffer.from('payload'));
    assert.equal(result.code, ExportResultCode.SUCCESS);
    assert.deepEqual(bodies, ['payload', 'payload', 'payload']);
  } finally {
    await t.shutdown();
    server.close();
  }
});

test('closing: a retry waiting for its backoff is attempted at once, and its failure is final', async () => {
  const probe = createTcpServer();
  const port = await listen(probe); // a free port, closed again: connections are refused
  await new Promise((r) => probe.close(r));
  const closedUrl = `http://127.0.0.1:${port}/v1/metrics`;
  const t = new OtlpHttpTransport({ url: closedUrl, headers: {}, timeoutMs: 30_000 });
  const pending = send(t);
  await new Promise((r) => setTimeout(r, 100)); // refused at once; the retry waits 125-250 ms, then more
  const closedAt = performance.now();
  t.close(1_000);
  const result = await pending;
  assert.equal(result.code, ExportResultCode.FAILED);
  assert.ok(performance.now() - closedAt < 500, `failed ${performance.now() - closedAt} ms after close`);
  await t.shutdown();
});

test('closing: a request the gateway never answers is cut at the end of the grace period', async () => {
  const sockets = new Set<Socket>();
  const hole = createTcpServer((s) => sockets.add(s.on('error', () => {})));
  const port = await listen(hole);
  const t = new OtlpHttpTransport({
    url: `http://127.0.0.1:${port}/v1/traces`,
    headers: {},
    timeoutMs: 30_000,
  });
  try {
    const pending = send(t);
    await new Promise((r) => setTimeout(r, 100));
    const closedAt = performance.now();
    t.close(300);
    const result = await pending;
    const ms = performance.now() - closedAt;
    assert.equal(result.code, ExportResultCode.FAILED);
    assert.ok(ms >= 250 && ms < 1_500, `cut ${ms} ms after close (grace 300 ms), not after the 30 s timeout`);
    const late = await send(t);
    assert.equal(late.code, ExportResultCode.FAILED, 'a send while closing gets one try within the grace');
  } finally {
    await t.shutdown();
    for (const s of sockets) s.destroy();
    hole.close();
  }
});

test('after shutdown, a send fails at once', async () => {
  const t = new OtlpHttpTransport({ url: 'http://127.0.0.1:9/v1/traces', headers: {}, timeoutMs: 10_000 });
  await t.shutdown();
  const result = await send(t);
  assert.equal(result.code, ExportResultCode.FAILED);
  assert.match(String(result.error), /shut down/);
});

test("an export runs with tracing suppressed and none of the application's context, whatever was active when it was sent", async () => {
  const manager = new AgentContextManager();
  assert.equal(context.setGlobalContextManager(manager.enable()), true);
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end());
  });
  const port = await listen(server);
  const t = new OtlpHttpTransport({
    url: `http://127.0.0.1:${port}/v1/traces`,
    headers: {},
    timeoutMs: 10_000,
  });
  try {
    const KEY = createContextKey('the request being handled');
    const answered = await new Promise<{ value: unknown; suppressed: boolean }>((resolve) =>
      context.with(ROOT_CONTEXT.setValue(KEY, 'request 1'), () =>
        t.send(Buffer.from('x'), () =>
          resolve({
            value: context.active().getValue(KEY),
            suppressed: isTracingSuppressed(context.active()),
          }),
        ),
      ),
    );
    assert.deepEqual(answered, { value: undefined, suppressed: true });
  } finally {
    await t.shutdown();
    server.close();
    context.disable();
  }
});
