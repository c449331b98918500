import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lit, runFixture, useBackend, uniqueService, writeAgentConfig } from '../support/agent-harness.ts';

// Runtime and process metrics of an instrumented application reach the metric tables.

const backend = useBackend();

test('runtime metrics (event loop, heap, GC) and process CPU and memory are exported as OTLP metrics', async () => {
  const service = uniqueService('agent-metrics');
  const config = writeAgentConfig({ metrics: { intervalMs: 1000 } });
  const result = await runFixture('busy-app.cjs', { service, endpoint: backend().otlpUrl, config });
  assert.equal(result.stdout.trim(), 'done');
  const names = async () =>
    (
      await backend().sql<{ name: string }>(
        `SELECT DISTINCT MetricName AS name FROM merge(currentDatabase(), '^otel_metrics_') WHERE ServiceName = ${lit(service)} ORDER BY name`,
      )
    ).map((r) => r.name);
  await backend().waitFor<{ n: string | number }>(
    `SELECT count() AS n FROM otel_metrics_sum WHERE ServiceName = ${lit(service)} AND MetricName = 'process.cpu.time'`,
    (r) => Number(r[0]?.n) > 0,
  );
  const seen = await names();
  for (const expected of ['process.cpu.time', 'process.cpu.utilization', 'process.memory.usage'])
    assert.ok(seen.includes(expected), `${expected} in ${seen.join(', ')}`);
  assert.ok(
    seen.some((n) => n.startsWith('nodejs.eventloop.')),
    `event-loop metrics in ${seen.join(', ')}`,
  );
  assert.ok(
    seen.some((n) => n.startsWith('v8js.memory.heap.')),
    `heap metrics in ${seen.join(', ')}`,
  );
  // No per-request duration histograms from the instrumentations (RED comes from spans).
  assert.ok(!seen.includes('http.server.request.duration'), seen.join(', '));
});
