/**
 * npm run bench:ingest [-- --transport grpc|http --rate N --duration S --workers N
 *                         --spans-per-request N --spans-per-trace N --attributes N --grpc-channels N
 *                         --flush-interval-ms N --commit-interval-ms N --record]
 *
 * Starts `spyglass up` on a fresh data folder, offers load with our own
 * generator, and prints sustained spans/s stored, server CPU, peak RSS and
 * compressed bytes per span; then, in the same run, the raw insert rate of the
 * same rows straight into the embedded engine (the ceiling).
 */
import { mkdtempSync, writeFileSync, appendFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { decodeRequest } from '@spyglass/otlp';
import { buildTraceRequest } from '../../test/support/trace-request.ts';
import { startSpyglassOnFreePorts } from '../../test/support/spyglass-process.ts';
import { generateLoad } from './load-generator.ts';
import { cpuSeconds, peakRssBytes } from '../support/process-stats.ts';

const { values } = parseArgs({
  options: {
    transport: { type: 'string', default: 'grpc' },
    rate: { type: 'string', default: '0' },
    duration: { type: 'string', default: '30' },
    workers: { type: 'string', default: '64' }, // the recorded runs: 64 senders, one request in flight each
    'spans-per-request': { type: 'string', default: '512' },
    'grpc-channels': { type: 'string', default: '1' },
    'spans-per-trace': { type: 'string', default: '8' },
    attributes: { type: 'string', default: '10' },
    'flush-interval-ms': { type: 'string', default: '200' },
    'commit-interval-ms': { type: 'string', default: '10' },
    'insert-concurrency': { type: 'string' },
    'max-insert-rows': { type: 'string' },
    record: { type: 'boolean', default: false },
  },
});
const opts = {
  transport: values.transport === 'http' ? ('http' as const) : ('grpc' as const),
  rate: Number(values.rate),
  durationSeconds: Number(values.duration),
  workers: Number(values.workers),
  spansPerRequest: Number(values['spans-per-request']),
  grpcChannels: Number(values['grpc-channels']),
  spansPerTrace: Number(values['spans-per-trace']),
  attributesPerSpan: Number(values.attributes),
};

const dataDir = mkdtempSync(join(tmpdir(), 'spyglass-bench-'));
// SPYGLASS_BENCH_CPU_PROFILE=<dir> writes a V8 CPU profile of the server there.
const profileArgs = process.env.SPYGLASS_BENCH_CPU_PROFILE
  ? ['--cpu-prof', '--cpu-prof-dir', process.env.SPYGLASS_BENCH_CPU_PROFILE]
  : [];
const { child: server, ports } = await startSpyglassOnFreePorts({
  dataDir,
  nodeArgs: profileArgs,
  config:
    `clickhouseHttp:\n  enabled: false\ningest:\n  flushIntervalMs: ${Number(values['flush-interval-ms'])}\n` +
    `  commitIntervalMs: ${Number(values['commit-interval-ms'])}\n` +
    (values['max-insert-rows'] ? `  maxInsertRows: ${Number(values['max-insert-rows'])}\n` : '') +
    (values['insert-concurrency'] ? `  insertConcurrency: ${Number(values['insert-concurrency'])}\n` : ''),
});
const health = async () =>
  (await (await fetch(`http://127.0.0.1:${ports.http}/api/health`)).json()) as {
    status: string;
    ingest: { insertedRows: number; queuedBatches: number };
    memory: { rss: number; heapTotal: number; external: number };
  };

const pid = server.pid!;
// Sample the server's memory split while under load (printed with the results).
let peakHeapTotal = 0;
let peakExternal = 0;
const memorySampler = setInterval(() => {
  health().then(
    (h) => {
      peakHeapTotal = Math.max(peakHeapTotal, h.memory.heapTotal);
      peakExternal = Math.max(peakExternal, h.memory.external);
    },
    () => undefined,
  );
}, 500);
console.log(`spyglass up (pid ${pid}); offering load: ${JSON.stringify(opts)}`);
const cpu0 = cpuSeconds(pid);
const generatorCpu0 = process.cpuUsage();
const t0 = performance.now();
const load = await generateLoad({
  ...opts,
  target: opts.transport === 'grpc' ? `127.0.0.1:${ports.grpc}` : `http://127.0.0.1:${ports.otlp}`,
});
const generatorCpu = process.cpuUsage(generatorCpu0);
// Stored = inserted into the store, so wait for the queue to drain.
let h = await health();
while (h.ingest.queuedBatches > 0) {
  await new Promise((r) => setTimeout(r, 50));
  h = await health();
}
const seconds = (performance.now() - t0) / 1000;
clearInterval(memorySampler);
const cpu = cpuSeconds(pid) - cpu0;
const rss = peakRssBytes(pid);
server.kill('SIGTERM');
await new Promise((r) => server.once('exit', r));

// Loaded only now: the engine in this process would otherwise compete with the load generator.
const { openStore } = await import('@spyglass/store');
const store = await openStore({ kind: 'embedded', path: join(dataDir, 'clickhouse') });
await store.driver.command('OPTIMIZE TABLE otel_traces FINAL');
const [disk] = await store.driver.queryRows<{ rows: number; bytes: number }>(
  "SELECT sum(rows) AS rows, sum(data_compressed_bytes) AS bytes FROM system.parts WHERE active AND database = 'default' AND table = 'otel_traces'",
);
const storedRows = Number(disk?.rows ?? 0);
const bytesPerSpan = Number(disk?.bytes ?? 0) / Math.max(storedRows, 1);

// Ceiling: the same rows (mapped once, outside the timer) inserted straight into the engine the
// way the gateway inserts them (a RowBinary batch file read by the engine), into an identical table.
await store.driver.command('CREATE TABLE otel_traces_ceiling AS otel_traces');
const sample = buildTraceRequest({
  service: 'ceiling',
  spans: opts.spansPerRequest,
  seed: 1,
  attributes: opts.attributesPerSpan,
});
const mapped = decodeRequest('traces', 'protobuf', sample.body).tables[0]!;
const requestsPerBatch = Math.max(1, Math.floor(100_000 / mapped.count));
const batchFile = join(dataDir, 'ceiling.rowbinary');
writeFileSync(batchFile, Buffer.concat(Array.from({ length: requestsPerBatch }, () => mapped.body)));
// As many inserts in flight as the gateway runs (ingest.insertConcurrency, default 2).
const ceilingStart = performance.now();
let ceilingRows = 0;
let ceilingInserts = 0;
await Promise.all(
  Array.from({ length: 2 }, async () => {
    while (performance.now() - ceilingStart < 10_000) {
      const token = `ceiling-${ceilingInserts++}`;
      await store.driver.insertFile({
        table: 'otel_traces_ceiling',
        columns: mapped.columns,
        paths: [batchFile],
        dedupToken: token,
      });
      ceilingRows += mapped.count * requestsPerBatch;
    }
  }),
);
const ceilingRate = ceilingRows / ((performance.now() - ceilingStart) / 1000);
await store.close();

const storedRate = storedRows / seconds;
const result = {
  date: new Date().toISOString(),
  transport: opts.transport,
  ...(opts.transport === 'grpc' ? { grpcChannels: opts.grpcChannels } : {}),
  offeredRate: opts.rate || 'max',
  workers: opts.workers,
  flushIntervalMs: Number(values['flush-interval-ms']),
  commitIntervalMs: Number(values['commit-interval-ms']),
  spansPerRequest: opts.spansPerRequest,
  attributesPerSpan: opts.attributesPerSpan,
  acknowledgedSpans: load.acknowledgedSpans,
  storedSpans: storedRows,
  throttledRequests: load.throttled,
  failedRequests: load.failed,
  seconds: Number(seconds.toFixed(1)),
  ackLatencyP50Ms: load.latencyP50Ms,
  ackLatencyP99Ms: load.latencyP99Ms,
  loadGeneratorCpuCores: Number(((generatorCpu.user + generatorCpu.system) / 1e6 / load.seconds).toFixed(2)),
  storedSpansPerSecond: Math.round(storedRate),
  serverCpuCores: Number((cpu / seconds).toFixed(2)),
  serverPeakRssMiB: Math.round(rss / 1024 / 1024),
  serverPeakV8HeapMiB: peakHeapTotal,
  serverPeakExternalMiB: peakExternal,
  compressedBytesPerSpan: Number(bytesPerSpan.toFixed(1)),
  rawInsertCeilingSpansPerSecond: Math.round(ceilingRate),
  percentOfCeiling: Number(((storedRate / ceilingRate) * 100).toFixed(1)),
};
console.table(result);
if (load.acknowledgedSpans !== storedRows)
  console.warn(`WARNING: acknowledged ${load.acknowledgedSpans} but stored ${storedRows}`);
if (values.record) {
  const file = join(import.meta.dirname, 'RESULTS.md');
  if (!existsSync(file))
    writeFileSync(
      file,
      '# Ingest benchmark results\n\nRecorded by `npm run bench:ingest -- --record`; newest last.\n\n',
    );
  appendFileSync(file, '```json\n' + JSON.stringify(result, null, 2) + '\n```\n\n');
}
