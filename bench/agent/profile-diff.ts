/**
 * npm run bench:agent-profile [-- --path /trivial --duration 15 --connections 10 --rounds 2 --top 15 NAME=SPEC ...]
 *
 * Where a request's CPU time goes, and which code a variant makes slower:
 * bench/agent/app.cjs runs with V8's CPU profiler (`--cpu-prof`) under
 * autocannon, uninstrumented and in each variant (see parseVariant in
 * bench-app.ts; default `spyglass`), in interleaved rounds. Self time is
 * divided by the requests served and compared with the baseline: by package
 * (the agent, express, router, node:http, GC...) and by function.
 *
 * V8's profiler samples wall-clock time: when the app is preempted (by the
 * load generator and the OTLP sink, which run in this process on the same two
 * cores, or by its own GC threads), the time lands on the JavaScript function
 * it was running. Contention therefore reads as the app's own code running
 * slower: the seventh session's "router ~10 us slower under the agent" was
 * that (perf, which samples only what runs on the CPU, shows the router's
 * time unchanged; bench/agent/RESULTS.md, eighth session). Use it for which
 * functions a variant adds, and `npm run bench:agent-perf` for how much CPU a
 * request costs. Two identical builds differ by ~5 us per request over 3
 * rounds: read only differences that repeat.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { ensureAgentBuilt } from '@spyglass/agent';
import {
  appEnvironment,
  benchServices,
  startExportSink,
  variantsFromArgs,
  startBenchApp,
  stopBenchApp,
  packageOfFrame,
  type AgentVariant,
} from './bench-app.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    path: { type: 'string', default: '/trivial' },
    duration: { type: 'string', default: '15' },
    connections: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '2' },
    top: { type: 'string', default: '15' },
    /** The profiler's sampling interval, microseconds. */
    interval: { type: 'string', default: '250' },
  },
});

const services = await benchServices();
await ensureAgentBuilt();
const sink = await startExportSink();
const variants = variantsFromArgs(positionals, { serviceName: 'bench-profile', endpoint: sink.endpoint });

/** Self time in microseconds, by "group\0function\0line", summed over a variant's rounds. */
type Times = Map<string, number>;
const totals = new Map<string, { times: Times; requests: number }>(
  variants.map((v) => [v.name, { times: new Map(), requests: 0 }]),
);

interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  }>;
  samples: number[];
  timeDeltas: number[];
}

async function profile(v: AgentVariant): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'spyglass-profile-'));
  const app = await startBenchApp(v.name, (port) => v.env(appEnvironment(services, port)), [
    ...v.nodeArgs,
    '--cpu-prof',
    '--cpu-prof-dir',
    dir,
    '--cpu-prof-interval',
    values.interval,
  ]);
  let requests = 0;
  try {
    const result = await autocannon({
      url: `http://127.0.0.1:${app.port}${values.path}`,
      connections: Number(values.connections),
      duration: Number(values.duration),
    });
    requests = result.requests.total;
  } finally {
    await stopBenchApp(app.child); // the profile is written as the app exits
  }
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`${v.name}: no profile written (did the app exit on SIGTERM?)`);
  const p = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
  rmSync(dir, { recursive: true, force: true });
  const keys = new Map(
    p.nodes.map((n) => {
      const f = n.callFrame;
      // Line and column: the agent's bundle is minified (a few long lines).
      const at = `${f.lineNumber + 1}:${f.columnNumber + 1}`;
      return [n.id, `${packageOfFrame(f.url, f.functionName)}\0${f.functionName}\0${at}`];
    }),
  );
  const total = totals.get(v.name)!;
  // timeDeltas[i] is the time before sample i: the time spent in sample i-1's frame.
  for (let i = 1; i < p.samples.length; i++) {
    const key = keys.get(p.samples[i - 1]!)!;
    total.times.set(key, (total.times.get(key) ?? 0) + p.timeDeltas[i]!);
  }
  total.requests += requests;
}

for (let round = 0; round < Number(values.rounds); round++)
  for (const v of variants) {
    await profile(v);
    process.stderr.write(`  round ${round + 1} ${v.name} done\n`);
  }
sink.close();

/** Microseconds per request, by key, without idle time. */
function perRequest(name: string, keyOf: (key: string) => string): Map<string, number> {
  const { times, requests } = totals.get(name)!;
  const out = new Map<string, number>();
  for (const [key, us] of times) {
    if (key.startsWith('((idle))')) continue;
    const k = keyOf(key);
    out.set(k, (out.get(k) ?? 0) + us / requests);
  }
  return out;
}
const round1 = (x: number) => Number(x.toFixed(1));
const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

const byGroup = new Map(variants.map((v) => [v.name, perRequest(v.name, (k) => k.split('\0')[0]!)]));
const base = byGroup.get('baseline')!;
console.log(
  `${values.path}: CPU microseconds per request (busy time, V8 profiler), ${values.rounds} rounds of ${values.duration} s`,
);
console.table(
  Object.fromEntries(
    variants.map((v) => {
      const m = byGroup.get(v.name)!;
      const total = totals.get(v.name)!;
      return [
        v.name,
        {
          requests: total.requests,
          'per request (us)': round1(sum(m)),
          'added (us)': round1(sum(m) - sum(base)),
        },
      ];
    }),
  ),
);
const top = Number(values.top);
for (const v of variants.slice(1)) {
  const groups = byGroup.get(v.name)!;
  const deltas = [...new Set([...groups.keys(), ...base.keys()])]
    .map((g) => [g, (groups.get(g) ?? 0) - (base.get(g) ?? 0)] as const)
    .sort((a, b) => b[1] - a[1])
    .slice(0, top);
  console.log(`${v.name}: added microseconds per request, by package`);
  console.table(Object.fromEntries(deltas.map(([g, d]) => [g, { 'added (us)': round1(d) }])));
  const fnBase = perRequest('baseline', (k) => k);
  const fns = perRequest(v.name, (k) => k);
  const fnDeltas = [...new Set([...fns.keys(), ...fnBase.keys()])]
    .map((k) => [k, (fns.get(k) ?? 0) - (fnBase.get(k) ?? 0)] as const)
    .sort((a, b) => b[1] - a[1])
    .slice(0, top);
  console.log(`${v.name}: added microseconds per request, by function (package, function, line:column)`);
  console.table(
    Object.fromEntries(
      fnDeltas.map(([k, d]) => {
        const [group, fn, line] = k.split('\0');
        return [`${group} ${fn || '(anonymous)'}:${line}`, { 'added (us)': round1(d) }];
      }),
    ),
  );
}
