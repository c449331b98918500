/**
 * npm run bench:agent-instructions [-- --path /trivial --warmup 6000 --warmup-paths /trivial,/db --requests 3000 --idle 10 --runs 3 --keep DIR --node VERSION NAME=SPEC ...]
 *
 * The agent's CPU cost per request in instructions: bench/agent/app.cjs runs
 * under valgrind (callgrind, instrumentation off until the app is warm),
 * `--warmup` requests are sent, then instructions are counted over
 * `--requests` more, uninstrumented and in each variant. Instruction counts
 * do not move with the other tenants of this VM the way CPU time does (runs
 * agree within ~2%, where bench:agent-cpu moves by +-15%): use this to decide
 * whether a change makes requests cheaper, bench:agent-cpu and bench:agent
 * for what it is worth in time. Instructions are not time (cache misses are
 * not counted), so a change that saves instructions but allocates more can
 * still lose.
 *
 * The warm-up must let V8 finish compiling (see --warmup's default).
 * Under valgrind the app runs ~50 times slower, so work done per second
 * rather than per request (timers, metric collection, export batches) weighs
 * ~50 times more per request than it does at full speed. `--idle` seconds
 * after the requests, with no load, count that background rate; the table
 * shows it, and the per-request figure without it (the request window's
 * length times the idle rate, subtracted), which is what a loaded app pays.
 *
 * Variants (default: `spyglass`): see parseVariant in bench-app.ts.
 * The agent exports to a sink in this process that answers 200 at once.
 */
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
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
  requireValgrind,
  type AgentVariant,
} from './bench-app.ts';
import { runOnNode } from '../support/node-runtime.ts';
import { median } from '../support/stats.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    /** Run on this Node.js of infra/node-runtimes.txt (see runOnNode). */
    node: { type: 'string' },
    path: { type: 'string', default: '/trivial' },
    // 1,000 (until the seventh session) left JIT compilation in the window: the same app counted
    // 952 K per request after 1,000 and 736 K after 8,000 (the agent's share fell from +35% to +31%).
    warmup: { type: 'string', default: '6000' },
    /**
     * Paths the warm-up requests go to, in turn, an equal share each (comma-separated; default:
     * --path). bench:agent loads /trivial and /db before it measures /trivial.
     */
    'warmup-paths': { type: 'string' },
    requests: { type: 'string', default: '3000' },
    idle: { type: 'string', default: '10' },
    runs: { type: 'string', default: '3' },
    /**
     * Keep each request window's callgrind output in this directory (NAME-RUN.callgrind), for
     * `callgrind_annotate` by function: V8's builtins, runtime, GC and Node's C++ are named there.
     * The app then also runs with --perf-basic-prof, and its JIT map is kept beside
     * (NAME-RUN.perf-map): bench/agent/callgrind-functions.ts names the JavaScript functions with it
     * (valgrind runs the JIT's code at the addresses the map gives). Writing the map adds a little
     * to the counts (as the JIT compiles): compare kept runs with kept runs.
     */
    keep: { type: 'string' },
    /**
     * Simulate the caches too (callgrind --cache-sim=yes: first-level instruction and data caches
     * and the last level, configured like this machine's CPU): the kept outputs then carry the
     * misses beside the instructions, read with callgrind-functions.ts --event. Slower (~1.5x).
     */
    'cache-sim': { type: 'boolean', default: false },
    /** Simulate branch prediction too (--branch-sim=yes: conditional and indirect branches, their mispredictions). */
    'branch-sim': { type: 'boolean', default: false },
  },
});
runOnNode(values.node);
const warmup = Number(values.warmup);
const requests = Number(values.requests);
const idleSeconds = Number(values.idle);

requireValgrind('bench:agent-instructions');

const services = await benchServices();
await ensureAgentBuilt();
const APP = join(import.meta.dirname, 'app.cjs');

if (values.keep) mkdirSync(values.keep, { recursive: true });
const sink = await startExportSink();

const variants = variantsFromArgs(positionals, {
  serviceName: 'bench-instructions',
  endpoint: sink.endpoint,
});

interface Count {
  /** Instructions per request over the request window. */
  readonly perRequest: number;
  /** The request window's length, in seconds. */
  readonly windowSeconds: number;
  /** Instructions per second with no load, after the requests (0 without --idle). */
  readonly idlePerSecond: number;
}

/** Instructions per request over `requests` requests after `warmup`, then the idle rate. */
async function count(v: AgentVariant, run: number): Promise<Count> {
  const dir = mkdtempSync(join(tmpdir(), 'spyglass-instructions-'));
  const child = spawn(
    'valgrind',
    [
      '--tool=callgrind',
      '--instr-atstart=no',
      ...(values['cache-sim'] ? ['--cache-sim=yes'] : []),
      ...(values['branch-sim'] ? ['--branch-sim=yes'] : []),
      `--callgrind-out-file=${join(dir, 'callgrind.out')}`,
      process.execPath,
      ...(values.keep ? ['--perf-basic-prof'] : []),
      ...v.nodeArgs,
      APP,
    ],
    { env: v.env({ ...appEnvironment(services, 0), PORT: '0' }) },
  );
  const exited = new Promise((r) => child.once('exit', r));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`${v.name}: the app exited (${code})`)));
  });
  const url = `http://127.0.0.1:${port}${values.path}`;
  const control = (...args: string[]) =>
    execFileSync('callgrind_control', [...args, String(child.pid)], { stdio: 'ignore' });
  try {
    const warmups = (values['warmup-paths'] ?? values.path).split(',');
    for (const path of warmups)
      await autocannon({
        url: `http://127.0.0.1:${port}${path}`,
        connections: 4,
        amount: Math.ceil(warmup / warmups.length),
        timeout: 60,
      });
    control('-i', 'on');
    const started = performance.now();
    await autocannon({ url, connections: 4, amount: requests, timeout: 60 });
    control('-i', 'off');
    const windowSeconds = (performance.now() - started) / 1000;
    control('-d');
    const requestTotal = dumpedInstructions(
      dir,
      v.name,
      values.keep && join(values.keep, `${v.name}-${run}.callgrind`),
    );
    if (values.keep) copyFileSync(perfMap(child.pid), join(values.keep, `${v.name}-${run}.perf-map`));
    let idlePerSecond = 0;
    if (idleSeconds > 0) {
      control('-z');
      control('-i', 'on');
      const idleStarted = performance.now();
      await new Promise((r) => setTimeout(r, idleSeconds * 1000));
      control('-i', 'off');
      const idleWindow = (performance.now() - idleStarted) / 1000;
      control('-d');
      idlePerSecond = dumpedInstructions(dir, v.name) / idleWindow;
    }
    return { perRequest: requestTotal / requests, windowSeconds, idlePerSecond };
  } finally {
    child.kill('SIGKILL');
    await exited;
    rmSync(dir, { recursive: true, force: true });
    if (values.keep) rmSync(perfMap(child.pid), { force: true });
  }
}

/** Where node --perf-basic-prof writes the JIT's map. */
const perfMap = (pid: number | undefined) => join('/tmp', `perf-${pid}.map`);

/**
 * The instructions in the dumps written so far (removed once read, or moved to `keepAs`; when the
 * window was dumped in several parts, the second is kept as NAME-RUN.2.callgrind, and so on).
 */
function dumpedInstructions(dir: string, name: string, keepAs?: string): number {
  let total = 0;
  let kept = 0;
  for (const file of readdirSync(dir)) {
    const m = /^totals:\s*(\d+)/m.exec(readFileSync(join(dir, file), 'utf8'));
    if (m) total += Number(m[1]);
    if (m && keepAs) {
      kept++;
      renameSync(join(dir, file), kept === 1 ? keepAs : keepAs.replace(/\.callgrind$/, `.${kept}.callgrind`));
    } else rmSync(join(dir, file));
  }
  if (kept > 1) process.stderr.write(`  ${name}: the window was dumped in ${kept} parts, each kept\n`);
  if (total === 0) throw new Error(`${name}: no instruction count`);
  return total;
}

const counts = new Map<string, Count[]>(variants.map((v) => [v.name, []]));
for (let run = 0; run < Number(values.runs); run++)
  for (const v of variants) {
    counts.get(v.name)!.push(await count(v, run + 1));
    process.stderr.write(`  run ${run + 1} ${v.name} done\n`);
  }
sink.close();

/** Per request without the background rate (see the header). */
const foreground = (c: Count) => c.perRequest - (c.idlePerSecond * c.windowSeconds) / requests;
const baseline = counts.get('baseline')!;
const base = median(baseline.map((c) => c.perRequest));
const baseForeground = median(baseline.map(foreground));
const baseIdle = median(baseline.map((c) => c.idlePerSecond));
console.log(
  `${values.path}: instructions per request, median of ${values.runs} runs of ${requests}` +
    (idleSeconds > 0 ? `; idle rate over ${idleSeconds} s after them` : ''),
);
console.table(
  Object.fromEntries(
    variants.map((v) => {
      const cs = counts.get(v.name)!;
      const m = median(cs.map((c) => c.perRequest));
      const row: Record<string, number | string> = {
        'per request (K)': Math.round(m / 1000),
        'added (K)': Math.round((m - base) / 1000),
        'added %': Number(((100 * (m - base)) / base).toFixed(1)),
        'runs (K)': cs.map((c) => Math.round(c.perRequest / 1000)).join(' '),
      };
      if (idleSeconds > 0) {
        const f = median(cs.map(foreground));
        row['idle (M/s)'] = Number((median(cs.map((c) => c.idlePerSecond)) / 1e6).toFixed(1));
        row['added idle (M/s)'] = Number(
          ((median(cs.map((c) => c.idlePerSecond)) - baseIdle) / 1e6).toFixed(1),
        );
        row['window (s)'] = Number(median(cs.map((c) => c.windowSeconds)).toFixed(1));
        row['added w/o idle (K)'] = Math.round((f - baseForeground) / 1000);
        row['added w/o idle %'] = Number(((100 * (f - baseForeground)) / baseForeground).toFixed(1));
      }
      return [v.name, row];
    }),
  ),
);
