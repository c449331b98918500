import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture, lit, runApp, uniqueService, writeAgentConfig } from '../support/agent-harness.ts';
import { startTestSpyglass, waitForRows } from '../support/start-test-spyglass.ts';

// An authenticated gateway (apiKeys): the agent sends SPYGLASS_API_KEY with every signal's export
// (traces, log records, metrics: three exporters, one transport), and a wrong key loses the
// telemetry without hurting the application.

const KEY = 'agent-key-7f3a';
let spy: Awaited<ReturnType<typeof startTestSpyglass>>;
before(async () => {
  spy = await startTestSpyglass({ clickhouseHttp: { enabled: false }, apiKeys: [KEY] });
});
after(async () => {
  await spy.shutdown();
});

const endpoint = () => `http://127.0.0.1:${spy.ports.otlpHttp}`;
/** safety-app.cjs making requests for ~2.5 s (spans), printing lines (log records), then exiting with 3. */
const run = (service: string, key: string) =>
  runApp([process.execPath, fixture('safety-app.cjs'), 'linger'], {
    service,
    endpoint: endpoint(),
    config: writeAgentConfig({ metrics: { intervalMs: 1000 } }),
    env: { SPYGLASS_API_KEY: key },
  });
const count = async (table: string, service: string) => {
  const [row] = await spy.store.driver.queryRows<{ n: string | number }>(
    `SELECT count() AS n FROM ${table} WHERE ServiceName = ${lit(service)}`,
  );
  return Number(row?.n ?? 0);
};
const TABLES = ['otel_traces', 'otel_logs', 'otel_metrics_sum'] as const;

test('with the right API key, spans, log records and metrics all reach an authenticated gateway', async () => {
  const service = uniqueService('agent-apikey');
  const result = await run(service, KEY);
  assert.equal(result.code, 3, result.stderr);
  for (const table of TABLES)
    await waitForRows<{ n: string | number }>(
      spy,
      `SELECT count() AS n FROM ${table} WHERE ServiceName = ${lit(service)}`,
      (rows) => Number(rows[0]?.n) > 0,
    );
});

test('with a wrong API key, nothing is stored and the application runs as it would', async () => {
  const service = uniqueService('agent-badkey');
  const result = await run(service, 'not-the-key');
  assert.equal(result.code, 3, 'the application exit code');
  assert.match(result.stdout, /response 200/);
  assert.equal(result.stderr.trim(), 'a line on stderr', 'the agent prints nothing');
  // A refused export is not retried (401): anything that was going to land has landed by now.
  await new Promise((r) => setTimeout(r, 1000));
  for (const table of TABLES) assert.equal(await count(table, service), 0, table);
});
