/**
 * npm run bench:agent-instructions [-- --path /trivial --warmup 1000 --requests 3000 --runs 3 NAME=SPEC ...]
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
 * Variants (default: `spyglass`):
 *   spyglass          the agent as `spyglass run` starts it
 *   NAME=agent:CONFIG with an agent configuration file (to price a feature)
 *   NAME=import:FILE  `node --import FILE` (another build of the agent's register.mjs)
 *   NAME=preload:FILE `node --require FILE`
 * The agent exports to a sink in this process that answers 200 at once.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { ensureAgentBuilt } from '@spyglass/agent';
import { agentEnvironment } from '../../packages/cli/src/commands/run.ts';
import { appEnvironment, benchServices, requireValgrind } from './bench-app.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    path: { type: 'string', default: '/trivial' },
    warmup: { type: 'string', default: '1000' },
    requests: { type: 'string', default: '3000' },
    runs: { type: 'string', default: '3' },
  },
});
const warmup = Number(values.warmup);
const requests = Number(values.requests);

requireValgrind('bench:agent-instructions');

const services = await benchServices();
await ensureAgentBuilt();
const APP = join(import.meta.dirname, 'app.cjs');

const sink = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.end());
});
await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
const endpoint = `http://127.0.0.1:${(sink.address() as { port: number }).port}`;

interface Variant {
  readonly name: string;
  env(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  readonly nodeArgs: readonly string[];
}
function variant(spec: string): Variant {
  if (spec === 'spyglass')
    return {
      name: spec,
      env: (base) => agentEnvironment(base, { serviceName: 'bench-instructions', endpoint }),
      nodeArgs: [],
    };
  const eq = spec.indexOf('=');
  const name = spec.slice(0, eq);
  const [kind, file] = [spec.slice(eq + 1, spec.indexOf(':', eq)), spec.slice(spec.indexOf(':', eq) + 1)];
  const agentEnv = (base: NodeJS.ProcessEnv) => ({
    ...base,
    SPYGLASS_SERVICE_NAME: 'bench-instructions',
    SPYGLASS_ENDPOINT: endpoint,
  });
  if (eq > 0 && kind === 'agent')
    return {
      name,
      env: (base) => agentEnvironment(base, { serviceName: 'bench-instructions', endpoint, config: file }),
      nodeArgs: [],
    };
  if (eq > 0 && kind === 'import') return { name, env: agentEnv, nodeArgs: ['--import', file] };
  if (eq > 0 && kind === 'preload') return { name, env: agentEnv, nodeArgs: ['--require', file] };
  throw new Error(`unknown variant '${spec}'`);
}
const variants: Variant[] = [
  { name: 'baseline', env: (base) => base, nodeArgs: [] },
  ...(positionals.length > 0 ? positionals : ['spyglass']).map(variant),
];

/** Instructions per request over `requests` requests, after `warmup`. */
async function perRequest(v: Variant): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'spyglass-instructions-'));
  const child = spawn(
    'valgrind',
    [
      '--tool=callgrind',
      '--instr-atstart=no',
      `--callgrind-out-file=${join(dir, 'callgrind.out')}`,
      process.execPath,
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
    await autocannon({ url, connections: 4, amount: warmup, timeout: 60 });
    control('-i', 'on');
    await autocannon({ url, connections: 4, amount: requests, timeout: 60 });
    control('-i', 'off');
    control('-d');
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
  let total = 0;
  for (const file of readdirSync(dir)) {
    const m = /^totals:\s*(\d+)/m.exec(readFileSync(join(dir, file), 'utf8'));
    if (m) total += Number(m[1]);
  }
  rmSync(dir, { recursive: true, force: true });
  if (total === 0) throw new Error(`${v.name}: no instruction count`);
  return total / requests;
}

const counts = new Map<string, number[]>(variants.map((v) => [v.name, []]));
for (let run = 0; run < Number(values.runs); run++)
  for (const v of variants) {
    counts.get(v.name)!.push(await perRequest(v));
    process.stderr.write(`  run ${run + 1} ${v.name} done\n`);
  }
sink.close();

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const base = median(counts.get('baseline')!);
console.log(`${values.path}: instructions per request, median of ${values.runs} runs of ${requests}`);
console.table(
  Object.fromEntries(
    variants.map((v) => {
      const xs = counts.get(v.name)!;
      const m = median(xs);
      return [
        v.name,
        {
          'per request (K)': Math.round(m / 1000),
          'added (K)': Math.round((m - base) / 1000),
          'added %': Number(((100 * (m - base)) / base).toFixed(1)),
          'runs (K)': xs.map((x) => Math.round(x / 1000)).join(' '),
        },
      ];
    }),
  ),
);
