/**
 * npm run bench:agent [-- --duration 10 --connections 32 --rounds 2 --record]
 *
 * The agent's overhead: a small express service (bench/agent/app.cjs) with a
 * trivial route and a route that queries PostgreSQL and Redis, loaded with
 * autocannon, run three ways in the same run: uninstrumented, under
 * `spyglass run`, and with upstream @opentelemetry/auto-instrumentations-node
 * registered the documented way (--require .../register) with its defaults.
 * Both agents export to the same `spyglass up`. Prints throughput loss, added
 * p50/p99 latency (µs), extra RSS and startup time, and what each captured.
 * Goals: less overhead than upstream on both routes; <= 15% throughput loss on
 * the trivial route; <= +30 MB RSS; startup <= +10%.
 */
import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { ensureAgentBuilt } from '@spyglass/agent';
import { agentEnvironment } from '../../packages/cli/src/commands/run.ts';
import { appEnvironment, benchServices, startBenchApp, stopBenchApp } from './bench-app.ts';
import { exited, freePorts, startSpyglassProcess } from '../../test/support/spyglass-process.ts';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '32' },
    rounds: { type: 'string', default: '2' },
    startups: { type: 'string', default: '5' },
    record: { type: 'boolean', default: false },
  },
});
const duration = Number(values.duration);
const connections = Number(values.connections);
const rounds = Number(values.rounds);
const startups = Number(values.startups);

const services = await benchServices();
await ensureAgentBuilt();
const dataDir = mkdtempSync(join(tmpdir(), 'spyglass-bench-agent-'));
const ports = await freePorts();
const spyglass = await startSpyglassProcess({ dataDir, ports });
const endpoint = `http://127.0.0.1:${ports.otlp}`;

type Mode = 'baseline' | 'spyglass' | 'upstream';
const MODES: Mode[] = ['baseline', 'spyglass', 'upstream'];
function envFor(mode: Mode, port: number): NodeJS.ProcessEnv {
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

const startApp = (mode: Mode) => startBenchApp(mode, (port) => envFor(mode, port));
const stopApp = stopBenchApp;

function rssKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

interface Load {
  rps: number;
  p50Us: number;
  p99Us: number;
  errors: number;
}

async function load(port: number, path: string, seconds: number): Promise<Load> {
  const r = await autocannon({ url: `http://127.0.0.1:${port}${path}`, connections, duration: seconds });
  return {
    rps: r.requests.average,
    p50Us: r.latency.p50 * 1000,
    p99Us: r.latency.p99 * 1000,
    errors: r.errors + r.non2xx,
  };
}

// 1. Startup: alternate the modes, median of `startups` starts each.
const startupsMs: Record<Mode, number[]> = { baseline: [], spyglass: [], upstream: [] };
for (let i = 0; i < startups; i++) {
  for (const mode of MODES) {
    const app = await startApp(mode);
    startupsMs[mode].push(app.startupMs);
    await stopApp(app.child);
  }
}

// 2. Load: rounds of the three modes in turn, each a fresh process warmed up first.
const results: Record<Mode, { trivial: Load[]; db: Load[]; rssMb: number[] }> = {
  baseline: { trivial: [], db: [], rssMb: [] },
  spyglass: { trivial: [], db: [], rssMb: [] },
  upstream: { trivial: [], db: [], rssMb: [] },
};
for (let round = 0; round < rounds; round++) {
  for (const mode of MODES) {
    const app = await startApp(mode);
    await load(app.port, '/trivial', 2);
    await load(app.port, '/db', 2);
    results[mode].trivial.push(await load(app.port, '/trivial', duration));
    results[mode].db.push(await load(app.port, '/db', duration));
    results[mode].rssMb.push(rssKb(app.child.pid!, 'VmRSS') / 1024);
    await stopApp(app.child);
    process.stderr.write(`  round ${round + 1} ${mode} done\n`);
  }
}

// 3. What each agent captured, from the store.
await new Promise((r) => setTimeout(r, 3000));
const sql = async (q: string) => {
  const r = await fetch(`http://127.0.0.1:${ports.http}/api/v1/sql`, {
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
spyglass.kill('SIGTERM');
await exited(spyglass);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const summary = (mode: Mode) => {
  const r = results[mode];
  const b = results.baseline;
  const route = (k: 'trivial' | 'db') => ({
    rps: Math.round(mean(r[k].map((x) => x.rps))),
    lossPct: Number((100 * (1 - mean(r[k].map((x) => x.rps)) / mean(b[k].map((x) => x.rps)))).toFixed(1)),
    addedP50Us: Math.round(mean(r[k].map((x) => x.p50Us)) - mean(b[k].map((x) => x.p50Us))),
    addedP99Us: Math.round(mean(r[k].map((x) => x.p99Us)) - mean(b[k].map((x) => x.p99Us))),
    errors: r[k].reduce((a, x) => a + x.errors, 0),
  });
  return {
    trivial: route('trivial'),
    db: route('db'),
    rssMb: Math.round(mean(r.rssMb)),
    extraRssMb: Math.round(mean(r.rssMb) - mean(b.rssMb)),
    startupMs: Math.round(median(startupsMs[mode])),
    startupAddedPct: Number((100 * (median(startupsMs[mode]) / median(startupsMs.baseline) - 1)).toFixed(1)),
  };
};
const output = {
  date: new Date().toISOString(),
  node: process.version,
  durationS: duration,
  connections,
  rounds,
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
    'trivial +p50 µs': s.trivial.addedP50Us,
    'trivial +p99 µs': s.trivial.addedP99Us,
    'db rps': s.db.rps,
    'db loss %': s.db.lossPct,
    'db +p50 µs': s.db.addedP50Us,
    'db +p99 µs': s.db.addedP99Us,
    'RSS MB': s.rssMb,
    '+RSS MB': s.extraRssMb,
    'startup ms': s.startupMs,
    'startup +%': s.startupAddedPct,
  };
};
console.table({ baseline: row('baseline'), spyglass: row('spyglass'), upstream: row('upstream') });
console.table(captured);
if (values.record) {
  appendFileSync(
    join(import.meta.dirname, 'RESULTS.md'),
    '```json\n' + JSON.stringify(output, null, 2) + '\n```\n\n',
  );
}
