/**
 * npm run bench:agent-perf [-- --path /trivial --warmup-paths /trivial,/db --seconds 6 --delay 1 --connections 32 --rounds 3 --top 20 --functions 30 --keep DIR --node VERSION NAME=SPEC ...]
 *
 * The agent's CPU cost per request as the CPU sees it. bench/agent/app.cjs
 * runs alone on CPU 1 (all its threads), this process (autocannon and the
 * OTLP sink) on CPU 0, and `perf record -C 1` samples everything that runs on
 * CPU 1 while autocannon keeps the app saturated: the app's JavaScript, its
 * native code, V8's GC threads, and the kernel's work on its behalf (a socket
 * write that wakes the load generator, ...). Samples over the requests served
 * in the window give microseconds per request, uninstrumented and in each
 * variant (see parseVariant in bench-app.ts; default `spyglass`):
 *   - by kind: JavaScript and V8 on the main thread, native code (C++, libc),
 *     kernel, and the other threads (GC helpers, libuv's pool);
 *   - by the innermost JavaScript frame's package (the agent, express, router,
 *     node:http, ...), every kind included;
 *   - the variant's own functions (its bundle's innermost frames).
 *
 * Why not V8's CPU profiler (bench:agent-profile)? It samples wall-clock
 * time: time the app spends preempted by another process lands on the
 * JavaScript function it was running, so contention reads as the app's own
 * code running slower (the eighth session's finding, bench/agent/RESULTS.md).
 * perf samples only what runs on the CPU, and shows kernel time as such. Its
 * frames do not show inlined functions: those count for the function they
 * were inlined into (the agent's emit wrappers, inlined into node:http's
 * callers, show as node:_http_server and node:events).
 *
 * Needs perf (apt-get install linux-perf) and 2 CPUs.
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { ensureAgentBuilt } from '@spyglass/agent';
import { cpuSeconds } from '../support/process-stats.ts';
import {
  appEnvironment,
  benchServices,
  startBenchApp,
  startExportSink,
  stopBenchApp,
  packageOfFrame,
  agentFunctionOfFrame,
  functionOfFrame,
  startBenchBackend,
  variantsFromArgs,
  type AgentVariant,
} from './bench-app.ts';
import { runOnNode } from '../support/node-runtime.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    /** Run on this Node.js of infra/node-runtimes.txt (see runOnNode). */
    node: { type: 'string' },
    path: { type: 'string', default: '/trivial' },
    seconds: { type: 'string', default: '6' },
    /**
     * Seconds into the measured load before perf records (`--delay 0 --seconds 1`: the first second
     * after the warm-up, which bench:agent counts and the default skips).
     */
    delay: { type: 'string', default: '1' },
    warmup: { type: 'string', default: '5' },
    /**
     * Paths loaded in turn during the warm-up (comma-separated; default: --path). bench:agent warms
     * /trivial and /db before it measures /trivial: `--warmup-paths /trivial,/db` does the same, so
     * that code both routes share (the encoder) has seen both kinds of span.
     */
    'warmup-paths': { type: 'string' },
    connections: { type: 'string', default: '32' },
    // Interleaved rounds (every variant in each): this VM's speed drifts within a run, and one
    // round per variant moved results by 10-25 us per request (bench/agent/RESULTS.md).
    rounds: { type: 'string', default: '3' },
    top: { type: 'string', default: '20' },
    /** perf's sampling frequency, Hz. */
    frequency: { type: 'string', default: '2000' },
    /** Keep each run's perf data (perf.jit.data, with the JIT's symbols) in this directory. */
    keep: { type: 'string' },
    /**
     * Also print this many functions of any package (innermost JavaScript frames), the largest
     * differences to the baseline first: where inlining moved code between packages, or where
     * the application's own code got slower.
     */
    functions: { type: 'string', default: '0' },
    /**
     * Export to a `spyglass up` (embedded store, on CPU 0 with the load generator), as bench:agent
     * does, instead of a sink that only reads each request: prices what a real gateway's answers
     * (slower, later) change in the app.
     */
    backend: { type: 'boolean', default: false },
    /**
     * Run the apps without V8's JIT dump flags (PERF_FLAGS): JavaScript frames are then unnamed, but
     * the totals show whether the flags themselves change the cost.
     */
    'no-jit-dump': { type: 'boolean', default: false },
  },
});
runOnNode(values.node);

try {
  execFileSync('perf', ['--version'], { stdio: 'ignore' });
  execFileSync('taskset', ['-V'], { stdio: 'ignore' });
} catch {
  console.error('bench:agent-perf needs perf and taskset (apt-get install linux-perf util-linux)');
  process.exit(1);
}
if (availableParallelism() < 2) {
  console.error('bench:agent-perf needs 2 CPUs: the app alone on CPU 1, the load generator on CPU 0');
  process.exit(1);
}

const seconds = Number(values.seconds);
const frequency = Number(values.frequency);
const services = await benchServices();
await ensureAgentBuilt();
execFileSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });
const sink = await startExportSink();
const backend = values.backend ? await startBenchBackend() : undefined;
if (backend) execFileSync('taskset', ['-a', '-p', '-c', '0', String(backend.child.pid)], { stdio: 'ignore' });
const variants = variantsFromArgs(positionals, {
  serviceName: 'bench-perf',
  endpoint: backend?.endpoint ?? sink.endpoint,
});

/**
 * JIT frames named through V8's JIT dump (perf inject --jit), which records when each code object
 * was made: /tmp/perf-<pid>.map (--perf-basic-prof) has no times, so an address whose code was freed
 * and reused kept its first name (router code showed up as the metrics SDK's batchCumulate).
 */
const PERF_FLAGS = ['--perf-prof', '--no-compact-code-space', '--no-flush-bytecode'];

/** Sample counts by key, and the requests served while they were taken, summed over rounds. */
interface Tally {
  requests: number;
  /** The app's utime + stime over the recorded windows (/proc), ms: what bench:agent counts. */
  procCpuMs: number;
  byKind: Map<string, number>;
  byPackage: Map<string, number>;
  byAgentFunction: Map<string, number>;
  byFunction: Map<string, number>;
}
const tallies = new Map<string, Tally>(
  variants.map((v) => [
    v.name,
    {
      requests: 0,
      procCpuMs: 0,
      byKind: new Map(),
      byPackage: new Map(),
      byAgentFunction: new Map(),
      byFunction: new Map(),
    },
  ]),
);

const add = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);

/** The package of an innermost JavaScript frame (`JS:*name /path/file.js:line:col`). */
function packageOf(frame: string): string {
  const at = frame.indexOf(' ');
  const where = at === -1 ? '' : frame.slice(at + 1).replace(/:\d+:\d+$/, '');
  return packageOfFrame(where, frame.slice(0, at === -1 ? undefined : at));
}

/** One sample's call stack, innermost first: [symbol, dso] pairs. */
function tallySample(t: Tally, mainTid: string, tid: string, frames: Array<[string, string]>): void {
  if (frames.length === 0) return;
  const [leaf, leafDso] = frames[0]!;
  const kernel = leafDso.includes('kernel');
  if (tid !== mainTid) {
    add(t.byKind, kernel ? 'other threads: kernel' : 'other threads (GC helpers, libuv pool)');
    return;
  }
  const js = frames.find(([sym]) => sym.startsWith('JS:'))?.[0];
  let kind: string;
  if (kernel) kind = 'main thread: kernel';
  else if (leaf.startsWith('JS:') || leaf.startsWith('Builtins_') || leaf.startsWith('v8::'))
    kind = 'main thread: JavaScript and V8';
  else kind = 'main thread: native (C++, libc)';
  add(t.byKind, kind);
  const pkg = js ? packageOf(js) : '(no JavaScript frame)';
  add(t.byPackage, pkg);
  if (pkg === 'agent' && js) add(t.byAgentFunction, agentFunctionOfFrame(js));
  if (js) add(t.byFunction, pkg === 'agent' ? `agent ${agentFunctionOfFrame(js)}` : functionOfFrame(js, pkg));
}

async function tallyPerfData(file: string, mainTid: string, t: Tally): Promise<void> {
  const script = spawn('perf', ['script', '-i', file, '-F', 'tid,ip,sym,dso'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let tid: string | undefined;
  let frames: Array<[string, string]> = [];
  for await (const line of createInterface({ input: script.stdout })) {
    if (line.trim() === '') {
      if (tid !== undefined) tallySample(t, mainTid, tid, frames);
      tid = undefined;
      frames = [];
    } else if (line[0] !== '\t' && !/^ {4}/.test(line)) {
      // the sample's header ("tid", right-aligned by some perf versions); its frames are indented
      tid = line.trim().split(/\s+/)[0];
    } else {
      // "\t    ffffffff81234567 symbol+0x1f (dso)"
      const body = line.trim();
      const space = body.indexOf(' ');
      const open = body.lastIndexOf(' (');
      const sym = (open > space ? body.slice(space + 1, open) : body.slice(space + 1)).replace(
        /\+0x[0-9a-f]+$/,
        '',
      );
      frames.push([sym, open > space ? body.slice(open + 2, -1) : '']);
    }
  }
  if (tid !== undefined) tallySample(t, mainTid, tid, frames);
}

/** Samples over requests, in microseconds of CPU 1 per request. */
const us = (samples: number, requests: number) => (samples / frequency / requests) * 1e6;

/** Sample count of a tally (every kind). */
const sampleCount = (t: Tally) => [...t.byKind.values()].reduce((a, n) => a + n, 0);

/** Measures one variant once; returns this run's us per request (perf's samples, and /proc). */
async function measure(v: AgentVariant, round: number): Promise<{ perf: number; proc: number }> {
  // V8 writes its JIT dump (jit-<pid>.dump) into the app's working directory, and perf inject its
  // per-function objects next to it: a scratch directory, removed afterwards (or kept with --keep).
  const work = mkdtempSync(join(tmpdir(), `spyglass-perf-${v.name}-${round}-`));
  const app = await startBenchApp(
    v.name,
    (port) => v.env(appEnvironment(services, port)),
    [...(values['no-jit-dump'] ? [] : PERF_FLAGS), ...v.nodeArgs],
    work,
  );
  const pid = app.child.pid!;
  let stopped = false;
  try {
    execFileSync('taskset', ['-a', '-p', '-c', '1', String(pid)], { stdio: 'ignore' });
    const url = `http://127.0.0.1:${app.port}${values.path}`;
    const connections = Number(values.connections);
    const warmups = (values['warmup-paths'] ?? values.path).split(',');
    for (const path of warmups)
      await autocannon({
        url: `http://127.0.0.1:${app.port}${path}`,
        connections,
        duration: Number(values.warmup) / warmups.length,
      });
    let counting = false;
    let served = 0;
    let finished: () => void = () => {};
    const done = new Promise<void>((resolve) => (finished = resolve));
    const load = autocannon({ url, connections, duration: seconds + Number(values.delay) + 2 }, () =>
      finished(),
    );
    load.on('response', () => {
      if (counting) served++;
    });
    await sleep(1000 * Number(values.delay));
    counting = true;
    const cpu0 = cpuSeconds(pid);
    // -k 1: the monotonic clock, which the JIT dump's records use (perf inject matches them by time).
    await run(
      'perf',
      [
        'record',
        '-k',
        '1',
        '-C',
        '1',
        '-g',
        '-F',
        String(frequency),
        '-o',
        'perf.data',
        '--',
        'sleep',
        String(seconds),
      ],
      work,
    );
    counting = false;
    const procCpuMs = 1000 * (cpuSeconds(pid) - cpu0);
    await done;
    await stopBenchApp(app.child);
    stopped = true;
    await run('perf', ['inject', '--jit', '-i', 'perf.data', '-o', 'perf.jit.data'], work);
    const t = tallies.get(v.name)!;
    const before = sampleCount(t);
    t.requests += served;
    t.procCpuMs += procCpuMs;
    await tallyPerfData(join(work, 'perf.jit.data'), String(pid), t);
    if (![...t.byKind.keys()].some((k) => k.startsWith('main thread')))
      throw new Error(`no sample of the app's main thread (${pid}): perf script's output not understood`);
    return { perf: us(sampleCount(t) - before, served), proc: (1000 * procCpuMs) / served };
  } finally {
    if (!stopped) await stopBenchApp(app.child);
    if (values.keep) {
      const kept = join(values.keep, `${v.name}-${round}`);
      mkdirSync(values.keep, { recursive: true });
      cpSync(work, kept, { recursive: true });
      process.stderr.write(`  kept ${kept} (perf report -i ${join(kept, 'perf.jit.data')})\n`);
    }
    rmSync(work, { recursive: true, force: true });
  }
}

function run(command: string, args: readonly string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args[0]} exited ${code}`)),
    );
  });
}

for (let round = 0; round < Number(values.rounds); round++)
  for (const v of variants) {
    const run = await measure(v, round);
    // Each run's own figure: a process can settle in a slower state than the next (JIT decisions).
    process.stderr.write(
      `  round ${round + 1} ${v.name}: ${run.perf.toFixed(1)} us per request (perf), ${run.proc.toFixed(1)} (/proc)\n`,
    );
  }
sink.close();
await backend?.stop();

const round1 = (x: number) => Math.round(x * 10) / 10;

/** Rows: keys of `pick` over all variants, columns: each variant's us per request and its difference to the baseline. */
function table(
  pick: (t: Tally) => Map<string, number>,
  limit: number,
): Record<string, Record<string, number>> {
  const base = variants[0]!.name;
  const keys = new Set<string>();
  for (const t of tallies.values()) for (const k of pick(t).keys()) keys.add(k);
  const rows = [...keys].map((key) => {
    const row: Record<string, number> = {};
    for (const v of variants) {
      const t = tallies.get(v.name)!;
      row[v.name] = round1(us(pick(t).get(key) ?? 0, t.requests));
    }
    for (const v of variants.slice(1)) row[`${v.name} added`] = round1(row[v.name]! - row[base]!);
    return [key, row] as const;
  });
  const spread = (row: Record<string, number>) => Math.max(...variants.map((v) => row[v.name]!));
  rows.sort((a, b) => spread(b[1]) - spread(a[1]));
  return Object.fromEntries(rows.slice(0, limit));
}

const total: Record<string, Record<string, number | string>> = {};
for (const v of variants) {
  const t = tallies.get(v.name)!;
  let samples = 0;
  for (const n of t.byKind.values()) samples += n;
  total[v.name] = {
    requests: t.requests,
    'CPU 1 us per request': round1(us(samples, t.requests)),
    '/proc us per request': round1((1000 * t.procCpuMs) / t.requests),
  };
}
const baseTotal = total[variants[0]!.name]!['CPU 1 us per request'] as number;
for (const v of variants) {
  const mine = total[v.name]!['CPU 1 us per request'] as number;
  total[v.name]!['added'] = round1(mine - baseTotal);
  total[v.name]!['/proc added'] = round1(
    (total[v.name]!['/proc us per request'] as number) -
      (total[variants[0]!.name]!['/proc us per request'] as number),
  );
  total[v.name]!['throughput loss at 100% CPU %'] = round1(100 * (1 - baseTotal / mine));
}
console.log(
  `${values.path}: CPU 1 (the app alone) per request, perf, ${values.rounds} round(s) of ${seconds} s`,
);
console.table(total);
console.log('by kind (us per request)');
console.table(table((t) => t.byKind, 10));
console.log("by the innermost JavaScript frame's package (us per request)");
console.table(table((t) => t.byPackage, Number(values.top)));
if (Number(values.functions) > 0) {
  const base = variants[0]!.name;
  const rows = table((t) => t.byFunction, Infinity);
  const added = (row: Record<string, number>) =>
    Math.max(...variants.slice(1).map((v) => Math.abs(row[v.name]! - row[base]!)));
  const sorted = Object.entries(rows)
    .sort((a, b) => added(b[1]) - added(a[1]))
    .slice(0, Number(values.functions));
  console.log('functions of any package, the largest differences first (us per request)');
  console.table(Object.fromEntries(sorted));
}
for (const v of variants.slice(1)) {
  console.log(`${v.name}: the agent's own functions (innermost frames; inlined callees included)`);
  const t = tallies.get(v.name)!;
  const rows = [...t.byAgentFunction]
    .sort((a, b) => b[1] - a[1])
    .slice(0, Number(values.top))
    .map(([fn, n]) => ({ function: fn, 'us per request': round1(us(n, t.requests)) }));
  console.table(rows);
}
