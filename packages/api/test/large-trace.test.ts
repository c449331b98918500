import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { openStore, type Store } from '@spyglass/store';
import { decodeRequest } from '@spyglass/otlp';
import { registerApi } from '../src/index.ts';
import { buildTraceRequest } from '../../../test/support/trace-request.ts';

/** A trace of 100,000 spans comes back whole from GET /api/v1/traces/:id. */
let store: Store;
let app: FastifyInstance;
let traceId = '';

before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'spyglass-large-trace-'));
  store = await openStore({ kind: 'embedded', path: join(dir, 'ch') });
  const paths: string[] = [];
  let columns;
  for (let chunk = 0; chunk < 10; chunk++) {
    // One trace id for all chunks (same seed), distinct span ids (offset by chunk through the seed of span ids).
    const { body } = buildTraceRequest({ service: `svc-${chunk}`, spans: 10_000, seed: 1, attributes: 3 });
    const table = decodeRequest('traces', 'protobuf', body).tables[0]!;
    columns = table.columns;
    const path = join(dir, `chunk-${chunk}.rowbinary`);
    writeFileSync(path, table.body);
    paths.push(path);
  }
  await store.driver.insertFile({
    table: 'otel_traces',
    columns: columns!,
    paths,
    dedupToken: 'large-trace',
  });
  // Same seed -> same span ids in every chunk: make them distinct in the store.
  await store.driver.command(
    'ALTER TABLE otel_traces UPDATE SpanId = lower(hex(cityHash64(SpanId, ServiceName))) WHERE 1 SETTINGS mutations_sync = 1',
  );
  traceId = (await store.driver.queryRows<{ t: string }>('SELECT any(TraceId) AS t FROM otel_traces'))[0]!.t;
  app = Fastify();
  await registerApi(app, { driver: store.driver });
});
after(async () => {
  await app.close();
  await store.close();
});

test('a 100,000-span trace comes back whole', async () => {
  const started = performance.now();
  const r = await app.inject(`/api/v1/traces/${traceId}`);
  const ms = performance.now() - started;
  assert.equal(r.statusCode, 200);
  const body = r.json();
  assert.equal(body.spans.length, 100_000);
  assert.equal(new Set(body.spans.map((s: { SpanId: string }) => s.SpanId)).size, 100_000);
  assert.equal(body.notice, undefined);
  process.stderr.write(`# 100k-span trace fetched in ${Math.round(ms)} ms\n`);
});
