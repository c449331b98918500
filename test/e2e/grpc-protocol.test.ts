import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import { startTestSpyglass, waitForRows } from '../support/start-test-spyglass.ts';
import { GRPC_PATHS, rawGrpcClient } from '../support/ingest-helpers.ts';
import { buildTraceRequest } from '../support/trace-request.ts';

/** The gRPC wire protocol of the OTLP/gRPC receiver (node:http2), with grpc-js as the client. */
let spy: Awaited<ReturnType<typeof startTestSpyglass>>;
before(async () => {
  spy = await startTestSpyglass({ clickhouseHttp: { enabled: false } });
});
after(async () => {
  await spy.shutdown();
});

test('gzip-compressed gRPC messages are accepted and stored', async () => {
  const client = rawGrpcClient(`127.0.0.1:${spy.ports.otlpGrpc}`, {
    'grpc.default_compression_algorithm': 2,
  });
  try {
    const { body, spanIds } = buildTraceRequest({ service: 'grpc-gzip', spans: 300, seed: 4242 });
    const r = await client.export(GRPC_PATHS.traces, body);
    assert.equal(r.error, null);
    await waitForRows(
      spy,
      "SELECT 1 FROM otel_traces WHERE ServiceName = 'grpc-gzip'",
      (rows) => rows.length === spanIds.length,
    );
  } finally {
    client.close();
  }
});

test('an unknown method is UNIMPLEMENTED, and the server keeps serving', async () => {
  const client = rawGrpcClient(`127.0.0.1:${spy.ports.otlpGrpc}`);
  try {
    const r = await client.export(
      '/opentelemetry.proto.collector.profiles.v1development.ProfilesService/Export',
      Buffer.alloc(0),
    );
    assert.equal(r.error?.code, status.UNIMPLEMENTED);
    const ok = await client.export(
      GRPC_PATHS.traces,
      buildTraceRequest({ service: 'grpc-after', spans: 1, seed: 1 }).body,
    );
    assert.equal(ok.error, null);
  } finally {
    client.close();
  }
});

test('many concurrent exports on one connection are all answered', async () => {
  const client = rawGrpcClient(`127.0.0.1:${spy.ports.otlpGrpc}`);
  try {
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        client.export(
          GRPC_PATHS.traces,
          buildTraceRequest({ service: 'grpc-many', spans: 20, seed: 9000 + i }).body,
        ),
      ),
    );
    assert.deepEqual(
      results.filter((r) => r.error !== null),
      [],
    );
    await waitForRows(
      spy,
      "SELECT 1 FROM otel_traces WHERE ServiceName = 'grpc-many'",
      (rows) => rows.length === 1000,
    );
  } finally {
    client.close();
  }
});
