/**
 * npm run bench:agent [-- --duration 10 --slice 1 --connections 32 --rounds 2 --pin --backend --record --node VERSION]
 *
 * The agent's overhead: a small express service (bench/agent/app.cjs) with a
 * trivial route and a route that queries PostgreSQL and Redis, loaded with
 * autocannon, run three ways in the same run: uninstrumented, under
 * `spyglass run`, and with upstream @opentelemetry/auto-instrumentations-node
 * registered the documented way (--require .../register) with its defaults.
 * Each round starts the three at once, warms each up on both routes, and
 * loads them in alternating slices of `--slice` seconds, `--duration` seconds
 * of each route per mode (alternating-load.ts: this VM's speed drifts by up
 * to 30% within a minute; slices spread the drift over the three alike). The
 * printed per-cycle range of the loss (its middle half) shows the noise.
 * While they are measured, both agents export to a sink in this process that
 * reads each request and answers at once, as a gateway on another host would
 * cost this machine nothing (`--backend`: to `spyglass up` on this machine,
 * see below); then each runs a few seconds more exporting to the same
 * `spyglass up`, whose store shows what each captured. Prints throughput loss, added
 * p50/p99 latency (µs), extra RSS and startup time, and what each captured.
 * Next to the throughput loss, the loss at 100% CPU compares the app's CPU
 * time per request (all its threads, from /proc): with --pin the load
 * generator shares CPU 0 with the backend's ingest of the spans, and when that
 * core is the limit the app idles (app CPU < 100%) and its rps understates what
 * it could serve; the CPU-based figure is what the app itself pays. (On the
 * DB route the app also waits for PostgreSQL and Redis: there it compares CPU
 * cost per request, not a throughput the app could reach.)
 * Goals: less overhead than upstream on both routes; <= 15% throughput loss on
 * the trivial route; <= +30 MB RSS; startup <= +10% (spawn to the app's "listening";
 * timed first, before `spyglass up` starts, the agents pointed at the sink).
 *
 * `--pin` puts the app alone on CPU 1, and the load generator, `spyglass up`,
 * PostgreSQL and Redis on CPU 0, as in a deployment where the backend and the
 * databases run on other hosts:
 * the throughput figures then price the agent in the app's process, not the
 * backend's ingest of its spans competing for the same two cores (startup is
 * measured before pinning, as without it).
 *
 * `--node VERSION` runs it all on another Node.js of infra/node-runtimes.txt
 * (installed by infra/install.sh): the goals are the same on every version
 * the agent supports, and what a request costs differs between them.
 *
 * Why a sink by default: with the backend on this machine, the app's CPU time
 * per request rose by 15-17 us more in the agent's mode, on the app's own core
 * (bench:agent-perf, same build, interleaved, three runs: to a sink +39 and
 * +45 us per request, to `spyglass up` +54 and +62; a sink answering 150 ms
 * late +52). Most of the extra time was in express, the router and node:http,
 * not in the agent: the store's ingest on the other core slows the app through
 * what the two cores share (caches, memory bandwidth). That is the cost of
 * running the backend beside the app, not of the agent; `--backend` measures
 * it that way all the same.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { ensureAgentBuilt } from '@spyglass/agent';
import { agentEnvironment } from '../../packages/cli/src/commands/run.ts';
import { peakRssBytes } from '../support/process-stats.ts';
import { alternatingLoad, compareSlices, type Slice } from './alternating-load.ts';
import { mean, median } from '../support/stats.ts';
import {
  type BenchApp,
  appEnvironment,
  benchServices,
  startBenchApp,
  startBenchBackend,
  startExportSink,
  stopBenchApp,
} from './bench-app.ts';
import { runOnNode } from '../support/node-runtime.ts';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '32' },
    rounds: { type: 'string', default: '2' },
    /** Seconds of each slice of the alternating load (see alternating-load.ts). */
    slice: { type: 'string', default: '1' },
    startups: { type: 'string', default: '15' },
    record: { type: 'boolean', default: false },
    pin: { type: 'boolean', default: false },
    /** Export to `spyglass up` on this machine while measuring, not to the sink (see above). */
    backend: { type: 'boolean', default: false },
    /** Seconds of each route per agent exporting to `spyglass up`, for the captured table. */
    'capture-seconds': { type: 'string', default: '3' },
    /** Run on this Node.js of infra/node-runtimes.txt (see runOnNode). */
    node: { type: 'string' },
  },
});
runOnNode(values.node);
const pin = values.pin && availableParallelism() >= 2;
/** Moves a process (every thread) to one CPU. */
const pinTo = (pid: number, cpu: number) =>
  execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
const duration = Number(values.duration);
const connections = Number(values.connections);
const rounds = Number(values.rounds);
const sliceSeconds = Number(values.slice);
const startups = Number(values.startups);

const services = await benchServices();
await ensureAgentBuilt();
const sink = await startExportSink();

type Mode = 'baseline' | 'spyglass' | 'upstream';
const MODES: Mode[] = ['baseline', 'spyglass', 'upstream'];
function envFor(mode: Mode, port: number, endpoint: string): NodeJS.ProcessEnv {
  const base = appEnvironment(services, port);
  if (mode === 'spyglass') return agentEnvironment(base, { serviceName: 'bench-spyglass', endpoint });
  if (mode === 'upstream')
    return {
      ...base,
      NODE_OPTIONS: '--require @opentelemetry/auto-instrumentations-node/register',
      OTEL_SERVICE_NAME: 'bench-upstream',
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    };
  return base;
}

const startApp = (mode: Mode, endpoint: string) =>
  startBenchApp(mode, (port) => envFor(mode, port, endpoint));
const stopApp = stopBenchApp;

// 1. Startup: alternate the modes, `startups` starts each. The added time is the median of each
// round's difference to the baseline start just before it: this VM's speed drifts by tens of
// milliseconds within a minute, which pairing cancels (medians of each mode alone did not).
// `spyglass up` starts after this phase: its store's background work ran beside the timed starts
// (the fourteenth session read +6.5 to +13.1% here, +8.8% on a quiet core).
const startupsMs: Record<Mode, number[]> = { baseline: [], spyglass: [], upstream: [] };
for (let i = 0; i < startups; i++) {
  for (const mode of MODES) {
    const app = await startApp(mode, sink.endpoint);
    startupsMs[mode].push(app.startupMs);
    await stopApp(app.child);
  }
}

const backend = await startBenchBackend();
/** Where the agents export while they are measured. */
const measuredEndpoint = values.backend ? backend.endpoint : sink.endpoint;

if (pin) {
  pinTo(process.pid, 0);
  pinTo(backend.child.pid!, 0);
  // The database servers too (PostgreSQL forks its backends from the postmaster, pinned here).
  for (const name of ['postgres', 'redis-server']) {
    const pids = execFileSync('pgrep', ['-x', name], { encoding: 'utf8' }).split('\n').filter(Boolean);
    for (const pid of pids) pinTo(Number(pid), 0);
  }
}

// 2. Load: each round starts the three apps at once (fresh processes), warms each up on both
// routes, then loads them in alternating slices (see alternating-load.ts): the trivial route,
// then the DB route, `duration` seconds each per mode.
// RSS: each slice samples its app's resident set at its end (see Slice); the figure is the median
// of those samples over the load, and the peak (VmHWM) at each round's end. One sample after the
// load, as before, read +8 to +38 MB for the same build: a major GC or the heap's growth step
// landed before it or not.
const results: Record<Mode, { trivial: Slice[]; db: Slice[]; peakRssMb: number[] }> = {
  baseline: { trivial: [], db: [], peakRssMb: [] },
  spyglass: { trivial: [], db: [], peakRssMb: [] },
  upstream: { trivial: [], db: [], peakRssMb: [] },
};
const cycles = Math.max(1, Math.round(duration / sliceSeconds));
for (let round = 0; round < rounds; round++) {
  const apps = new Map<Mode, BenchApp>();
  for (const mode of MODES) {
    const app = await startApp(mode, measuredEndpoint);
    if (pin) pinTo(app.child.pid!, 1);
    apps.set(mode, app);
  }
  const targets = MODES.map((name) => ({
    name,
    pid: apps.get(name)!.child.pid!,
    port: apps.get(name)!.port,
  }));
  for (const t of targets)
    for (const path of ['/trivial', '/db'])
      await autocannon({ url: `http://127.0.0.1:${t.port}${path}`, connections, duration: 2 });
  for (const route of ['trivial', 'db'] as const) {
    const slices = await alternatingLoad(targets, { path: `/${route}`, cycles, sliceSeconds, connections });
    for (const mode of MODES) results[mode][route].push(...slices.get(mode)!);
  }
  for (const mode of MODES) {
    results[mode].peakRssMb.push(peakRssBytes(apps.get(mode)!.child.pid!) / 2 ** 20);
    await stopApp(apps.get(mode)!.child);
  }
  process.stderr.write(`  round ${round + 1} done\n`);
}

// 3. What each agent captured, from the store: a few seconds of each route exporting to it.
const captureSeconds = Number(values['capture-seconds']);
for (const mode of ['spyglass', 'upstream'] as const) {
  const app = await startApp(mode, backend.endpoint);
  if (pin) pinTo(app.child.pid!, 1);
  for (const path of ['/trivial', '/db'])
    await autocannon({ url: `http://127.0.0.1:${app.port}${path}`, connections, duration: captureSeconds });
  await stopApp(app.child);
}
sink.close();
await new Promise((r) => setTimeout(r, 3000));
const sql = async (q: string) => {
  const r = await fetch(`http://127.0.0.1:${backend.ports.http}/api/v1/sql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sql: q }),
  });
  return ((await r.json()) as { rows: Array<Record<string, unknown>> }).rows;
};
const captured = await sql(
  `SELECT ServiceName AS service, count() AS spans, round(avg(length(SpanAttributes)), 1) AS attributesPerSpan,
          countIf(SpanAttributes['http.response.payload'] != '') AS withPayload,
          countIf(SpanAttributes['code.file.path'] != '') AS withCode,
          countIf(mapContains(SpanAttributes, 'db.statement') OR mapContains(SpanAttributes, 'db.query.text')) AS dbSpans
     FROM otel_traces WHERE ServiceName IN ('bench-spyglass', 'bench-upstream') GROUP BY ServiceName ORDER BY ServiceName`,
);
await backend.stop();

const startupAdded = (mode: Mode) => median(startupsMs[mode].map((ms, i) => ms - startupsMs.baseline[i]!));
const round1 = (x: number) => Number(x.toFixed(1));
/** The median of a mode's RSS samples, one per slice, both routes, every round. */
const medianRss = (mode: Mode) => median([...results[mode].trivial, ...results[mode].db].map((s) => s.rssMb));
const summary = (mode: Mode) => {
  const r = results[mode];
  const b = results.baseline;
  const route = (k: 'trivial' | 'db') => {
    const c = compareSlices(r[k], b[k]);
    return {
      rps: Math.round(mean(r[k].map((x) => x.rps))),
      lossPct: round1(c.lossPct),
      // The middle half of the per-cycle losses: how much one cycle's reading moves.
      lossIqrPct: c.lossIqrPct.map(round1),
      cpuUsPerRequest: Math.round(c.cpuUsPerRequest),
      addedCpuUsPerRequest: Math.round(c.addedCpuUs),
      // The app's CPU time per request (all its threads). When the load generator's core is the
      // limit (app CPU < 100%), rps understates what the app could serve; this figure does not.
      lossAtFullCpuPct: round1(c.lossAtFullCpuPct),
      addedP50Us: Math.round(mean(r[k].map((x) => x.p50Us)) - mean(b[k].map((x) => x.p50Us))),
      addedP99Us: Math.round(mean(r[k].map((x) => x.p99Us)) - mean(b[k].map((x) => x.p99Us))),
      errors: r[k].reduce((a, x) => a + x.errors, 0),
      appCpuPct: Math.round(mean(r[k].map((x) => x.cpuPct))),
      // Each slice's requests per second, in order (rounds one after the other).
      perSlice: r[k].map((x) => Math.round(x.rps)),
    };
  };
  return {
    trivial: route('trivial'),
    db: route('db'),
    rssMb: Math.round(medianRss(mode)),
    extraRssMb: Math.round(medianRss(mode) - medianRss('baseline')),
    peakRssMb: Math.round(mean(r.peakRssMb)),
    extraPeakRssMb: Math.round(mean(r.peakRssMb) - mean(b.peakRssMb)),
    startupMs: Math.round(median(startupsMs[mode])),
    startupAddedMs: Math.round(startupAdded(mode)),
    startupAddedPct: round1((100 * startupAdded(mode)) / median(startupsMs.baseline)),
  };
};
const output = {
  date: new Date().toISOString(),
  node: process.version,
  durationS: duration,
  sliceS: sliceSeconds,
  connections,
  rounds,
  pinned: pin,
  exportedTo: values.backend ? 'spyglass up (this machine)' : 'sink',
  baseline: summary('baseline'),
  spyglass: summary('spyglass'),
  upstream: summary('upstream'),
  captured,
};
const row = (mode: Mode) => {
  const s = output[mode];
  return {
    'trivial rps': s.trivial.rps,
    'trivial loss %': s.trivial.lossPct,
    'trivial loss at 100% CPU': s.trivial.lossAtFullCpuPct,
    'trivial +p50 µs': s.trivial.addedP50Us,
    'trivial +p99 µs': s.trivial.addedP99Us,
    'trivial app CPU %': s.trivial.appCpuPct,
    'db rps': s.db.rps,
    'db loss %': s.db.lossPct,
    'db loss at 100% CPU': s.db.lossAtFullCpuPct,
    'db +p50 µs': s.db.addedP50Us,
    'db +p99 µs': s.db.addedP99Us,
    'db app CPU %': s.db.appCpuPct,
    'RSS MB': s.rssMb,
    '+RSS MB': s.extraRssMb,
    '+peak RSS MB': s.extraPeakRssMb,
    'startup ms': s.startupMs,
    'startup +%': s.startupAddedPct,
  };
};
console.table({ baseline: row('baseline'), spyglass: row('spyglass'), upstream: row('upstream') });
console.table(captured);
console.log('trivial route, requests per second of each slice:');
for (const mode of MODES) console.log(`  ${mode.padEnd(9)} ${output[mode].trivial.perSlice.join(' ')}`);
for (const mode of ['spyglass', 'upstream'] as const)
  console.log(
    `${mode}: trivial loss ${output[mode].trivial.lossPct}% (per cycle, middle half ${output[mode].trivial.lossIqrPct.join(' to ')}%), ` +
      `db ${output[mode].db.lossPct}% (${output[mode].db.lossIqrPct.join(' to ')}%)`,
  );
if (values.record) {
  appendFileSync(
    join(import.meta.dirname, 'RESULTS.md'),
    '```json\n' + JSON.stringify(output, null, 2) + '\n```\n\n',
  );
}
