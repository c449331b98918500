import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ensureAgentBuilt, REGISTER_MJS } from '@spyglass/agent';
import { backingService } from '../support/backing-services.ts';
import {
  describeSpans,
  fixture,
  serviceEnv,
  useBackend,
  startServerFixture,
  uniqueService,
  waitForSpans,
  writeAgentConfig,
} from '../support/agent-harness.ts';

// An ES-module application (.mjs, `import express from 'express'`, `import pg from 'pg'`)
// under `spyglass run`: proves the ES-module loader hook instruments imported packages.

const postgres = await backingService('postgres');

const backend = useBackend();

for (const preload of ['spyglass run', 'by hand: NODE_OPTIONS=--import register.mjs'] as const) {
  test(
    `ESM app: express and pg imported as ES modules produce connected spans; ${preload}`,
    { skip: postgres.skip },
    async () => {
      const service = uniqueService('agent-esm');
      // Express layer spans are off by default; on here, to prove express is patched under ESM too.
      const config = writeAgentConfig({ capture: { expressLayerSpans: true } });
      const byHand = preload.startsWith('by hand');
      if (byHand) await ensureAgentBuilt(); // spyglass run builds it; by hand, the user ran it once before
      const app = await startServerFixture('esm-app.mjs', {
        service,
        endpoint: backend().otlpUrl,
        config,
        env: {
          ...serviceEnv({ pg: postgres.url }),
          // The documented manual preload: NODE_OPTIONS and the SPYGLASS_* variables.
          ...(byHand
            ? {
                NODE_OPTIONS: `--import ${REGISTER_MJS}`,
                SPYGLASS_SERVICE_NAME: service,
                SPYGLASS_ENDPOINT: backend().otlpUrl,
                SPYGLASS_AGENT_CONFIG: config,
              }
            : {}),
        },
        withoutAgent: byHand,
      });
      const r = await fetch(`${app.url}/users/7`);
      assert.equal(r.status, 200);
      assert.equal(((await r.json()) as { id: number }).id, 7);
      await fetch(`${app.url}/shutdown`, { method: 'POST' }).then((x) => x.text());
      const result = await app.finished();
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stderr, '', 'the agent prints nothing on stderr');

      const spans = await waitForSpans(
        backend(),
        service,
        (rows) =>
          rows.some((s) => s.SpanName === 'GET /users/:id') &&
          rows.some((s) => s.ScopeName === '@opentelemetry/instrumentation-pg' && s.SpanKind === 'Client'),
      );
      const all = describeSpans(spans);
      const server = spans.find((s) => s.SpanKind === 'Server' && s.SpanName === 'GET /users/:id');
      assert.ok(server, all);
      assert.equal(server.SpanAttributes['http.route'], '/users/:id');
      const trace = spans.filter((s) => s.TraceId === server.TraceId);

      const expressSpans = trace.filter((s) => s.ScopeName === '@opentelemetry/instrumentation-express');
      assert.ok(expressSpans.length > 0, `express (ESM) spans present\n${all}`);
      const handler = expressSpans.find((s) => s.SpanAttributes['express.type'] === 'request_handler');
      assert.ok(handler, all);
      assert.equal(handler.ParentSpanId, server.SpanId, all);

      const query = trace.find(
        (s) =>
          s.ScopeName === '@opentelemetry/instrumentation-pg' &&
          s.SpanKind === 'Client' &&
          /SELECT/.test(s.SpanName),
      );
      assert.ok(query, `pg (ESM) query span in the request's trace\n${all}`);
      assert.ok(
        trace.some((s) => s.SpanId === query.ParentSpanId),
        `the query span's parent is in the trace\n${all}`,
      );
      const statement = query.SpanAttributes['db.query.text'] ?? query.SpanAttributes['db.statement'];
      assert.equal(statement, 'SELECT $1::int AS id, current_user AS name');
      // Code context works for ES modules too (file: URLs become paths). pool.query's own span
      // starts after an asynchronous connect, so the pool's connect span carries the call site
      // (see databases.test.ts for the query span itself).
      const connect = trace.find((s) => s.SpanName === 'pg-pool.connect');
      assert.equal(connect?.SpanAttributes['code.file.path'], fixture('esm-app.mjs'), all);
    },
  );
}
