import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  describeSpans,
  lit,
  useBackend,
  startServerFixture,
  uniqueService,
  waitForSpans,
  writeAgentConfig,
  type SpanRow,
} from '../support/agent-harness.ts';

// Live configuration: `spyglass run --config file.json` watches the file
// (SPYGLASS_AGENT_CONFIG_POLL_MS=100 here); a rewrite applies to the next requests of the
// running application, without a restart.

const backend = useBackend();

const serverSpan = (rows: SpanRow[], path: string) =>
  rows.find((s) => s.SpanKind === 'Server' && s.SpanAttributes['url.path'] === path);

test('rewriting the config file changes header/payload capture and instrumentations of the running app; an invalid rewrite is refused', async () => {
  const service = uniqueService('agent-live');
  const config = writeAgentConfig({ capture: { headers: { mode: 'all' } } });
  const app = await startServerFixture('live-server.cjs', {
    service,
    endpoint: backend().otlpUrl,
    config,
    env: { SPYGLASS_AGENT_CONFIG_POLL_MS: '100' },
  });
  const send = async (path: string) => {
    const r = await fetch(`${app.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-marker': path },
      body: JSON.stringify({ path }),
    });
    assert.equal(await r.text(), JSON.stringify({ path }), 'the app answers the same in every phase');
  };
  const rewrite = async (next: unknown) => {
    writeFileSync(config, JSON.stringify(next));
    await sleep(1000);
  };
  try {
    await send('/phase-1');
    // Phase 2: no headers, no payloads.
    await rewrite({ capture: { headers: { mode: 'off' }, payloads: { enabled: false } } });
    await send('/phase-2');
    // Phase 3: an allowlist of headers, payloads back on.
    await rewrite({ capture: { headers: { mode: 'allowlist', allowlist: ['x-marker'] } } });
    await send('/phase-3');
    // Phase 4: the http instrumentation switched off: no server span at all.
    await rewrite({ instrumentations: { http: false } });
    await send('/phase-4');
    // Phase 5: back on.
    await rewrite({});
    await send('/phase-5');
    // Phase 6: an invalid file is refused (one line on stderr) and the running config stays.
    writeFileSync(config, '{ "capture": ');
    await sleep(1000);
    await send('/phase-6');
  } finally {
    await fetch(`${app.url}/shutdown`, { method: 'POST' }).then(
      (r) => r.text(),
      () => '',
    );
  }
  const result = await app.finished();
  assert.equal(result.code, 0, result.stderr);
  const refused = result.stderr.split('\n').filter((l) => l !== '');
  assert.equal(refused.length, 1, `one line for the refused change only:\n${result.stderr}`);
  assert.match(
    refused[0]!,
    /^\[spyglass agent\] config change in .* refused, keeping the previous one: .*not valid JSON/,
  );

  const rows = await waitForSpans(backend(), service, (r) =>
    ['/phase-1', '/phase-2', '/phase-3', '/phase-5', '/phase-6', '/shutdown'].every((p) => serverSpan(r, p)),
  );
  const all = describeSpans(rows);
  const [p1, p2, p3, p5] = ['/phase-1', '/phase-2', '/phase-3', '/phase-5'].map((p) => serverSpan(rows, p)!);

  // Phase 1: everything captured.
  assert.equal(p1!.SpanAttributes['http.request.header.x-marker'], '/phase-1', all);
  assert.equal(p1!.SpanAttributes['http.response.header.x-served-by'], 'live-server', all);
  assert.equal(p1!.SpanAttributes['http.request.payload'], '{"path":"/phase-1"}', all);

  // Phase 2: headers off and payloads disabled, applied without a restart.
  const headerKeys2 = Object.keys(p2!.SpanAttributes).filter((k) =>
    /^http\.(request|response)\.header\./.test(k),
  );
  assert.deepEqual(headerKeys2, [], `no headers in phase 2\n${all}`);
  assert.equal(p2!.SpanAttributes['http.request.payload'], undefined, all);
  assert.equal(p2!.SpanAttributes['http.response.payload'], undefined, all);

  // Phase 3: only the allowlisted header; payloads again.
  const headerKeys3 = Object.keys(p3!.SpanAttributes).filter((k) =>
    /^http\.(request|response)\.header\./.test(k),
  );
  assert.deepEqual(headerKeys3, ['http.request.header.x-marker'], all);
  assert.equal(p3!.SpanAttributes['http.request.payload'], '{"path":"/phase-3"}', all);

  // Phase 4: no span; phase 5: spans again, with the defaults.
  assert.equal(serverSpan(rows, '/phase-4'), undefined, `no span while http is off\n${all}`);
  assert.equal(p5!.SpanAttributes['http.request.header.x-marker'], '/phase-5', all);
  assert.equal(p5!.SpanAttributes['http.request.payload'], '{"path":"/phase-5"}', all);
  // Phase 6: the refused file changed nothing.
  assert.equal(serverSpan(rows, '/phase-6')?.SpanAttributes['http.request.header.x-marker'], '/phase-6', all);

  // The same process served every phase (one resource, one process id).
  const pids = await backend().sql<{ pid: string }>(
    `SELECT DISTINCT ResourceAttributes['process.pid'] AS pid FROM otel_traces WHERE ServiceName = ${lit(service)}`,
  );
  assert.equal(pids.length, 1, JSON.stringify(pids));
});
