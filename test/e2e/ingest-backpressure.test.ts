import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import { startTestSpyglass, waitForRows } from '../support/start-test-spyglass.ts';
import { GRPC_PATHS, rawGrpcClient } from '../support/ingest-helpers.ts';
import { buildTraceRequest } from '../support/trace-request.ts';

let spy: Awaited<ReturnType<typeof startTestSpyglass>>;
before(async () => {
  // A pipeline bound far below one request: every request beyond the first in flight is refused.
  spy = await startTestSpyglass({
    clickhouseHttp: { enabled: false },
    ingest: { maxQueuedBytes: 1_000, flushIntervalMs: 300 },
  });
});
after(async () => {
  await spy.shutdown();
});

test('a full pipeline answers 429 with Retry-After over HTTP and RESOURCE_EXHAUSTED with RetryInfo over gRPC', async () => {
  const bodies = Array.from(
    { length: 12 },
    (_, i) => buildTraceRequest({ service: 'pressure', spans: 20, seed: i }).body,
  );
  const http = await Promise.all(
    bodies.map((body) =>
      fetch(`http://127.0.0.1:${spy.ports.otlpHttp}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
        body,
      }),
    ),
  );
  const accepted = http.filter((r) => r.status === 200).length;
  const throttled = http.filter((r) => r.status === 429);
  assert.ok(accepted >= 1, 'the first request is admitted');
  assert.ok(throttled.length >= 1, 'the rest are throttled');
  assert.equal(throttled[0]!.headers.get('retry-after'), '1');
  assert.equal(throttled[0]!.headers.get('content-type'), 'application/x-protobuf');

  const grpc = rawGrpcClient(`127.0.0.1:${spy.ports.otlpGrpc}`);
  try {
    const results = await Promise.all(bodies.map((b) => grpc.export(GRPC_PATHS.traces, b)));
    const exhausted = results.filter((r) => r.error?.code === status.RESOURCE_EXHAUSTED);
    assert.ok(exhausted.length >= 1, 'gRPC clients are throttled too');
    const details = exhausted[0]!.error!.metadata.get('grpc-status-details-bin')[0] as Buffer;
    assert.ok(
      details.toString('latin1').includes('type.googleapis.com/google.rpc.RetryInfo'),
      'with RetryInfo so that exporters retry',
    );
    const grpcAccepted = results.filter((r) => r.error === null).length;
    // Whatever was acknowledged is stored.
    await waitForRows<{ n: number }>(
      spy,
      "SELECT count() AS n FROM otel_traces WHERE ServiceName = 'pressure'",
      (rows) => Number(rows[0]?.n) === (accepted + grpcAccepted) * 20,
    );
  } finally {
    grpc.close();
  }
});
