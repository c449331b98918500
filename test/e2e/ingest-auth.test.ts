import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import { startTestSpyglass, waitForRows } from '../support/start-test-spyglass.ts';
import { decodeRpcStatus, otlpJsonToProto } from '../../packages/otlp/test/support/otlp-json-to-proto.ts';
import { GRPC_PATHS, jsonSpan, jsonTraces, rawGrpcClient } from '../support/ingest-helpers.ts';

const KEY = 'secret-key-123';

let spy: Awaited<ReturnType<typeof startTestSpyglass>>;
let grpc: ReturnType<typeof rawGrpcClient>;
let base: string;
before(async () => {
  spy = await startTestSpyglass({ clickhouseHttp: { enabled: false }, apiKeys: [KEY] });
  base = `http://127.0.0.1:${spy.ports.otlpHttp}`;
  grpc = rawGrpcClient(`127.0.0.1:${spy.ports.otlpGrpc}`);
});
after(async () => {
  grpc.close();
  await spy.shutdown();
});

const CASES: Array<[label: string, header: string | undefined, allowed: boolean]> = [
  ['no authorization header', undefined, false],
  ['the key as is', KEY, true],
  ['Bearer <key>', `Bearer ${KEY}`, true],
  ['lowercase bearer', `bearer ${KEY}`, true],
  ['a wrong key', 'secret-key-124', false],
  ['a prefix of the key', 'secret-key-12', false],
  ['the key with a suffix', `${KEY}4`, false],
  ['Bearer with a wrong key', 'Bearer nope-nope-nope', false],
  ['an empty header', '', false],
  ['Basic auth', `Basic ${Buffer.from(`user:${KEY}`).toString('base64')}`, false],
];

async function countService(service: string): Promise<number> {
  const [row] = await spy.store.driver.queryRows<{ n: number }>(
    `SELECT count() AS n FROM otel_traces WHERE ServiceName = '${service}'`,
  );
  return Number(row?.n ?? 0);
}

test('OTLP/HTTP requires a configured API key in the authorization header', async () => {
  for (const [i, [label, header, allowed]] of CASES.entries()) {
    for (const encoding of ['json', 'protobuf'] as const) {
      const service = `auth-http-${encoding}-${i}`;
      const request = jsonTraces(service, [jsonSpan(label)]);
      const res = await fetch(`${base}/v1/traces`, {
        method: 'POST',
        headers: {
          'content-type': encoding === 'json' ? 'application/json' : 'application/x-protobuf',
          ...(header === undefined ? {} : { authorization: header }),
        },
        body: encoding === 'json' ? JSON.stringify(request) : otlpJsonToProto('traces', request),
      });
      assert.equal(res.status, allowed ? 200 : 401, `${label} (${encoding})`);
      if (!allowed) {
        const message =
          encoding === 'json'
            ? ((await res.json()) as { code: number; message: string })
            : decodeRpcStatus(Buffer.from(await res.arrayBuffer()));
        assert.equal(message.code, 16, 'UNAUTHENTICATED');
        assert.match(message.message, /API key/);
        assert.ok(!message.message.includes(KEY), 'the error never echoes the key');
      } else {
        await res.arrayBuffer();
        await waitForRows<{ n: number }>(
          spy,
          `SELECT count() AS n FROM otel_traces WHERE ServiceName = '${service}'`,
          (r) => Number(r[0]?.n) === 1,
        );
      }
    }
  }
  // Everything that was refused must not have been stored (the accepted ones are in, so the pipeline is drained up to here).
  for (const [i, [, , allowed]] of CASES.entries()) {
    if (allowed) continue;
    assert.equal(await countService(`auth-http-json-${i}`), 0);
    assert.equal(await countService(`auth-http-protobuf-${i}`), 0);
  }
});

test('OTLP/gRPC requires a configured API key in the authorization metadata', async () => {
  for (const [i, [label, header, allowed]] of CASES.entries()) {
    const service = `auth-grpc-${i}`;
    const r = await grpc.export(
      GRPC_PATHS.traces,
      otlpJsonToProto('traces', jsonTraces(service, [jsonSpan(label)])),
      header === undefined ? {} : { authorization: header },
    );
    if (allowed) {
      assert.equal(r.error, null, label);
      await waitForRows<{ n: number }>(
        spy,
        `SELECT count() AS n FROM otel_traces WHERE ServiceName = '${service}'`,
        (rows) => Number(rows[0]?.n) === 1,
      );
    } else {
      assert.equal(r.error?.code, status.UNAUTHENTICATED, label);
      assert.match(r.error?.details ?? '', /API key/);
    }
  }
  for (const [i, [, , allowed]] of CASES.entries()) {
    if (!allowed) assert.equal(await countService(`auth-grpc-${i}`), 0);
  }
  // Logs and metrics services are protected too.
  for (const path of [GRPC_PATHS.logs, GRPC_PATHS.metrics]) {
    const r = await grpc.export(path, Buffer.alloc(0));
    assert.equal(r.error?.code, status.UNAUTHENTICATED, path);
    const ok = await grpc.export(path, Buffer.alloc(0), { authorization: `Bearer ${KEY}` });
    assert.equal(ok.error, null, `${path} with the key`);
  }
});

test('authentication is checked before the body is parsed, and CORS preflights need no key', async () => {
  const garbage = await fetch(`${base}/v1/logs`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf' },
    body: 'garbage',
  });
  assert.equal(garbage.status, 401, 'an unauthenticated client learns nothing about the body');
  const garbageWithKey = await fetch(`${base}/v1/logs`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf', authorization: KEY },
    body: 'garbage',
  });
  assert.equal(garbageWithKey.status, 400);

  const preflight = await fetch(`${base}/v1/traces`, {
    method: 'OPTIONS',
    headers: {
      origin: 'https://app.example.com',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization, content-type',
    },
  });
  assert.equal(preflight.status, 204, 'browsers send preflights without credentials');
  assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /authorization/);
});
