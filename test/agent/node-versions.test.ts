import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  describeSpans,
  lit,
  startServerFixture,
  uniqueService,
  useBackend,
  waitForSpans,
  writeAgentConfig,
  type SpanRow,
} from '../support/agent-harness.ts';
import { nodeRuntimes } from '../support/node-runtimes.ts';

// The same application, as CommonJS and as an ES module, under `spyglass run` on every Node.js
// version the agent supports (this machine's and those of infra/node-runtimes.txt): one request
// becomes one connected trace through express, http.get, fetch and a timer, its log lines carry
// that trace, and the resource names the runtime. Express's layer spans are turned on: they come
// only from patching express as it loads (by `require`, or by `import` through the agent's
// ES-module loader hook). What differs between versions is underneath:
// module loading and its hooks, async context (async hooks, AsyncContextFrame on 24), undici's
// diagnostics channels (fetch's bodies: channels on 24.4+, the request object's methods before).

const backend = useBackend();

for (const runtime of nodeRuntimes()) {
  for (const entry of ['versions-app.cjs', 'versions-app.mjs'] as const) {
    const kind = entry.endsWith('.mjs') ? 'ES module' : 'CommonJS';
    test(
      `Node.js ${runtime.version}, ${kind}: one connected trace, its logs, fetch's bodies`,
      { skip: runtime.skip },
      async () => {
        const service = uniqueService(`agent-node${runtime.version.split('.')[0]}`);
        const app = await startServerFixture(entry, {
          service,
          endpoint: backend().otlpUrl,
          config: writeAgentConfig({ capture: { expressLayerSpans: true } }),
          node: runtime.node,
        });
        const r = await fetch(`${app.url}/chain`);
        assert.equal(r.status, 200);
        assert.deepEqual(await r.json(), { node: runtime.version, calls: ['http', 'fetch'] });
        await fetch(`${app.url}/shutdown`, { method: 'POST' }).then((x) => x.text());
        const result = await app.finished();
        assert.equal(result.code, 0, result.stderr);
        assert.equal(agentLines(result.stderr), '', 'the agent prints nothing on stderr');

        const spans = await waitForSpans(
          backend(),
          service,
          (rows) => rows.filter((s) => s.SpanKind === 'Server').length >= 3 && clients(rows).length >= 2,
        );
        const all = describeSpans(spans);
        const chain = spans.find((s) => s.SpanKind === 'Server' && s.SpanName === 'GET /chain');
        assert.ok(chain, all);
        assert.equal(chain.SpanAttributes['http.route'], '/chain', all);
        const trace = spans.filter((s) => s.TraceId === chain.TraceId);
        const handler = trace.find(
          (s) =>
            s.ScopeName === '@opentelemetry/instrumentation-express' &&
            s.SpanAttributes['express.type'] === 'request_handler' &&
            s.ParentSpanId === chain.SpanId,
        );
        assert.ok(handler, `express (loaded as ${kind}) is patched: its handler span\n${all}`);
        for (const via of ['http', 'fetch']) {
          const inner = trace.find(
            (s) => s.SpanKind === 'Server' && s.SpanAttributes['url.query'] === `via=${via}`,
          );
          assert.ok(inner, `the ${via} call's server span is in the request's trace\n${all}`);
          const client = trace.find((s) => s.SpanId === inner.ParentSpanId);
          assert.equal(client?.SpanKind, 'Client', `the ${via} call's client span is its parent\n${all}`);
          assert.equal(
            client.ParentSpanId,
            handler.SpanId,
            `the ${via} call is a child of the handler\n${all}`,
          );
        }
        const fetchSpan = clients(trace).find((s) => s.ScopeName === '@opentelemetry/instrumentation-undici');
        assert.equal(fetchSpan?.SpanAttributes['http.request.payload'], '{"order":7}', all);
        assert.equal(fetchSpan.SpanAttributes['http.response.payload'], '{"via":"fetch"}', all);
        const scopes = new Set(clients(trace).map((s) => s.ScopeName));
        assert.deepEqual(
          [...scopes].sort(),
          ['@opentelemetry/instrumentation-http', '@opentelemetry/instrumentation-undici'],
          all,
        );

        const logs = await backend().waitFor<{ Body: string; TraceId: string; SpanId: string }>(
          `SELECT Body, TraceId, SpanId FROM otel_logs WHERE ServiceName = ${lit(service)} ORDER BY Timestamp`,
          (rows) => rows.some((l) => l.Body === 'chain end'),
        );
        for (const body of ['chain start', 'chain end']) {
          const line = logs.find((l) => l.Body === body);
          assert.equal(line?.TraceId, chain.TraceId, `"${body}" carries the request's trace`);
          assert.equal(line.SpanId, handler.SpanId, `"${body}" carries the handler's span`);
        }

        const [resource] = await backend().sql<{ runtime: string; name: string }>(
          `SELECT ResourceAttributes['process.runtime.version'] AS runtime,
                  ResourceAttributes['process.runtime.name'] AS name
           FROM otel_traces WHERE ServiceName = ${lit(service)} LIMIT 1`,
        );
        assert.deepEqual(resource, { runtime: runtime.version, name: 'nodejs' });
      },
    );
  }
}

function clients(rows: readonly SpanRow[]): SpanRow[] {
  return rows.filter((s) => s.SpanKind === 'Client');
}

/** stderr without Node's own warnings (Node.js 18 warns that fetch is experimental). */
function agentLines(stderr: string): string {
  return stderr
    .split('\n')
    .filter((line) => line !== '' && !/ExperimentalWarning|--trace-warnings/.test(line))
    .join('\n');
}
