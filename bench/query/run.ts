/**
 * npm run bench:query [-- --spans 10000000 --hours 4 --runs 20 --record] [--data-dir DIR]
 *
 * --data-dir keeps the dataset in DIR; a later run with the same DIR skips the
 * load and times the queries again (for iterating on one query).
 *
 * Loads a dataset shaped like Jaeger's ClickHouse benchmark (10M spans, 1M
 * traces of 10 spans, 10 services, 11 attributes per span, spread over
 * several hours) through the gateway of a fresh `spyglass up`, then times the
 * API's queries over the whole dataset: p50/p95 of repeated runs, and bytes
 * per span on disk. Goals: trace by id and search by service / operation /
 * duration <= 50 ms, by attribute <= 300 ms, service map <= 500 ms.
 */
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildTraceRequest } from '../../test/support/trace-request.ts';
import { startSpyglassOnFreePorts } from '../../test/support/spyglass-process.ts';
import { FreshIds } from '../ingest/fresh-ids.ts';
import { RawHttpConnection } from '../ingest/raw-http-sender.ts';

const { values } = parseArgs({
  options: {
    spans: { type: 'string', default: '10000000' },
    hours: { type: 'string', default: '4' },
    runs: { type: 'string', default: '20' },
    record: { type: 'boolean', default: false },
    'data-dir': { type: 'string' },
  },
});
const totalSpans = Number(values.spans);
const hours = Number(values.hours);
const runs = Number(values.runs);
const SPANS_PER_TRACE = 10;
const SPANS_PER_REQUEST = 500;

const dataDir = values['data-dir'] ?? mkdtempSync(join(tmpdir(), 'spyglass-bench-query-'));
mkdirSync(dataDir, { recursive: true });
const loadedMarker = join(dataDir, 'bench-loaded.json');
const previousLoad = existsSync(loadedMarker)
  ? (JSON.parse(readFileSync(loadedMarker, 'utf8')) as {
      startMs: number;
      endMs: number;
      loadSeconds: number;
    })
  : undefined;
const { child: server, ports } = await startSpyglassOnFreePorts({
  dataDir,
  config: 'clickhouseHttp:\n  enabled: false\n',
});
const api = `http://127.0.0.1:${ports.http}`;
const health = async () =>
  (await (await fetch(`${api}/api/health`)).json()) as { status: string; ingest: { queuedBatches: number } };

// 1. Load: requests of 50 traces x 10 spans, each trace placed at a random time in the window.
const endMs = previousLoad?.endMs ?? Date.now() - 60_000;
const startMs = previousLoad?.startMs ?? endMs - hours * 3_600_000;
const pool = Array.from({ length: 50 }, (_, i) => {
  const parts = Array.from(
    { length: SPANS_PER_REQUEST / SPANS_PER_TRACE },
    (_, t) =>
      buildTraceRequest({
        service: `bench-svc-${(i + t) % 10}`,
        spans: SPANS_PER_TRACE,
        seed: i * 1000 + t,
        attributes: 11,
      }).body,
  );
  return new FreshIds(Buffer.concat(parts));
});
const requests = Math.ceil(totalSpans / SPANS_PER_REQUEST);
let sent = previousLoad ? requests : 0;
const loadStart = performance.now();
await Promise.all(
  Array.from({ length: 32 }, async (_, w) => {
    const connection = new RawHttpConnection('127.0.0.1', ports.otlp);
    while (sent < requests) {
      const i = sent++;
      const body = pool[(i * 7 + w) % pool.length]!.next(startMs + Math.random() * (endMs - startMs));
      for (;;) {
        const status = await connection.post('/v1/traces', 'application/x-protobuf', body);
        if (status === 200) break;
        await new Promise((r) => setTimeout(r, status === 429 ? 200 : 50));
      }
      if (i % 2000 === 0)
        process.stderr.write(`  loaded ${((i * SPANS_PER_REQUEST) / 1e6).toFixed(1)}M spans\n`);
    }
    connection.close();
  }),
);
while ((await health()).ingest.queuedBatches > 0) await new Promise((r) => setTimeout(r, 200));
const loadSeconds = previousLoad?.loadSeconds ?? (performance.now() - loadStart) / 1000;
if (!previousLoad) writeFileSync(loadedMarker, JSON.stringify({ startMs, endMs, loadSeconds }));
console.log(
  `loaded ${requests * SPANS_PER_REQUEST} spans in ${loadSeconds.toFixed(0)} s (${Math.round((requests * SPANS_PER_REQUEST) / loadSeconds)} spans/s)`,
);

// Let background merges of the fresh parts settle (up to 2 minutes): queries are measured in steady
// state, not while the engine rewrites the data it just received.
for (let i = 0; i < 240; i++) {
  const r = await fetch(`${api}/api/v1/sql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sql: 'SELECT count() AS n FROM system.merges' }),
  });
  const { rows } = (await r.json()) as { rows: Array<{ n: number | string }> };
  if (Number(rows[0]?.n ?? 0) === 0) break;
  await new Promise((res) => setTimeout(res, 500));
}

// 2. Queries through the HTTP API, over the whole dataset.
const from = new Date(startMs - 60_000).toISOString();
const to = new Date(endMs + 120_000).toISOString();
const post = async (path: string, body: object) => {
  const r = await fetch(`${api}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  return r.json() as Promise<{ rows: Array<{ TraceId: string }> }>;
};
const get = async (path: string) => {
  const r = await fetch(`${api}${path}`);
  if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  return r.json() as Promise<unknown>;
};
const sample = await post('/api/v1/search', { signal: 'traces', query: '', from, to, limit: 500 });
const traceIds = [...new Set(sample.rows.map((r) => r.TraceId))];
const search = (query: string) => () =>
  post('/api/v1/search', { signal: 'traces', query, from, to, limit: 100 });
const cases: Array<[string, () => Promise<unknown>, number]> = [
  ['trace by id', () => get(`/api/v1/traces/${traceIds[Math.floor(Math.random() * traceIds.length)]}`), 50],
  ['search by service', search('service:"bench-svc-3"'), 50],
  ['search by operation', search('service:"bench-svc-3" SpanName:"operation-3"'), 50],
  ['search by duration', search('duration:>99'), 50],
  ['search by attribute', search('attr.1:"value-7"'), 300],
  ['all filters', search('service:"bench-svc-3" SpanName:"operation-3" duration:>50 attr.1:"value-7"'), 300],
  ['RED for one service', () => get(`/api/v1/services/bench-svc-3/operations?from=${from}&to=${to}`), 500],
  ['service map', () => get(`/api/v1/service-map?from=${from}&to=${to}`), 500],
];
const results: Record<string, { p50Ms: number; p95Ms: number; goalMs: number }> = {};
for (const [name, fn, goal] of cases) {
  await fn(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  results[name] = {
    p50Ms: Math.round(times[Math.floor(runs / 2)]!),
    p95Ms: Math.round(times[Math.floor(runs * 0.95)] ?? times.at(-1)!),
    goalMs: goal,
  };
}
server.kill('SIGTERM');
await new Promise((r) => server.once('exit', r));

// 3. Bytes per span on disk.
const { openStore } = await import('@spyglass/store');
const store = await openStore({ kind: 'embedded', path: join(dataDir, 'clickhouse') });
const [disk] = await store.driver.queryRows<{ rows: number; bytes: number }>(
  "SELECT sum(rows) AS rows, sum(data_compressed_bytes) AS bytes FROM system.parts WHERE active AND database = 'default' AND table = 'otel_traces'",
);
await store.close();
const output = {
  date: new Date().toISOString(),
  spans: Number(disk?.rows),
  hours,
  loadSpansPerSecond: Math.round((requests * SPANS_PER_REQUEST) / loadSeconds),
  bytesPerSpan: Number((Number(disk?.bytes) / Number(disk?.rows)).toFixed(1)),
  queries: results,
};
console.table(
  Object.fromEntries(
    Object.entries(results).map(([k, v]) => [k, { ...v, met: v.p50Ms <= v.goalMs ? 'yes' : 'NO' }]),
  ),
);
console.log(`spans stored: ${output.spans}, bytes/span: ${output.bytesPerSpan}`);
if (values.record) {
  const file = join(import.meta.dirname, 'RESULTS.md');
  if (!existsSync(file))
    writeFileSync(
      file,
      '# Query benchmark results\n\nRecorded by `npm run bench:query -- --record`; newest last.\n\n',
    );
  appendFileSync(file, '```json\n' + JSON.stringify(output, null, 2) + '\n```\n\n');
}
