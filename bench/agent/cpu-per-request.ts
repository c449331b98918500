/**
 * npm run bench:agent-cpu [-- --path /trivial --rate 1500 --seconds 10 --rounds 3 --cpu-prof DIR --pin --node VERSION]
 *                         [-- NAME=SPEC ...]
 *
 * The agent's CPU cost per request, measured at a fixed request rate (not at
 * saturation, where the shared VM's noise dominates): the app of
 * bench/agent/app.cjs runs uninstrumented and in each variant, in turns
 * (every round runs them all, each in a fresh process); the app's utime+stime
 * (from /proc) over the requests it served gives microseconds of CPU per
 * request, and the difference to the uninstrumented run of the same round is
 * the variant's cost. The agent exports to a sink in this process that
 * answers every OTLP request with 200 at once, so the backend's work is not
 * counted.
 *
 * Variants (default: `spyglass`, with --agent-config if given): the grammar of
 * the other agent benchmarks, see parseVariant in bench-app.ts (`spyglass`,
 * NAME=agent:CONFIG, NAME=env:K=V,..., NAME=import:FILE, NAME=preload:FILE).
 * On this VM rounds move by +-15-25 us per request: compare variants within a
 * round, over 4-5 rounds or more (the order of the runs rotates each round). `--pin` runs the app on CPU 1 and this process (the
 * load generator) on CPU 0. `--cpu-prof DIR` writes a V8 CPU profile of each
 * run there (with SPYGLASS_AGENT_READABLE=1 the agent is rebuilt with its
 * function names kept).
 */
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
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
  variantsFromArgs,
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
    rate: { type: 'string', default: '1500' },
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '16' },
    'cpu-prof': { type: 'string' },
    // An agent configuration file (YAML or JSON) for the default variant.
    'agent-config': { type: 'string' },
    pin: { type: 'boolean', default: false },
  },
});
runOnNode(values.node);
const rate = Number(values.rate);
const seconds = Number(values.seconds);

const services = await benchServices();
await ensureAgentBuilt();

const sink = await startExportSink();
const agent = { serviceName: 'bench-cpu', endpoint: sink.endpoint };
const defaults = values['agent-config'] ? [`spyglass=agent:${values['agent-config']}`] : [];
const variants = variantsFromArgs(positionals.length > 0 ? positionals : defaults, agent);

const pin = values.pin && availableParallelism() >= 2;
if (pin) execFileSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });

function startApp(variant: AgentVariant) {
  const prof = values['cpu-prof']
    ? [
        '--cpu-prof',
        '--cpu-prof-dir',
        values['cpu-prof'],
        '--cpu-prof-name',
        `${variant.name}-${Date.now()}.cpuprofile`,
      ]
    : [];
  return startBenchApp(variant.name, (port) => variant.env(appEnvironment(services, port)), [
    ...variant.nodeArgs,
    ...prof,
  ]);
}

async function measure(variant: AgentVariant): Promise<number> {
  const { child, port } = await startApp(variant);
  if (pin) execFileSync('taskset', ['-a', '-p', '-c', '1', String(child.pid)], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}${values.path}`;
  const connections = Number(values.connections);
  await autocannon({ url, connections, duration: 2, overallRate: rate }); // warm-up
  const cpu0 = cpuSeconds(child.pid!);
  const r = await autocannon({ url, connections, duration: seconds, overallRate: rate });
  const cpu = 1e6 * (cpuSeconds(child.pid!) - cpu0); // us
  await stopBenchApp(child);
  if (r.errors + r.non2xx > 0) throw new Error(`${variant.name}: ${r.errors + r.non2xx} failed requests`);
  return cpu / r.requests.total;
}

const perRequest = new Map<string, number[]>(variants.map((v) => [v.name, []]));
const deltas = new Map<string, number[]>(variants.map((v) => [v.name, []]));
for (let round = 0; round < Number(values.rounds); round++) {
  // The order rotates every round: with a fixed one, the variant measured last in each round read
  // 5-10 us per request more than the same build measured earlier (the twenty-first session, two
  // builds in both orders), which is as large as the differences this compares.
  const order = variants.map((_, i) => variants[(i + round) % variants.length]!);
  const measured = new Map<string, number>();
  for (const variant of order) measured.set(variant.name, await measure(variant));
  const baseline = measured.get('baseline')!;
  const line: string[] = [];
  for (const variant of variants) {
    const us = measured.get(variant.name)!;
    perRequest.get(variant.name)!.push(us);
    deltas.get(variant.name)!.push(us - baseline);
    line.push(
      variant.name === 'baseline'
        ? `baseline ${us.toFixed(0)} us`
        : `${variant.name} ${us.toFixed(0)} us (+${(us - baseline).toFixed(0)})`,
    );
  }
  console.log(
    `round ${round + 1} (${order.map((v) => v.name).join(', ')}): ${values.path} at ${rate}/s: ${line.join(', ')} per request`,
  );
}
console.log(
  `median: ${variants
    .map((v) =>
      v.name === 'baseline'
        ? `baseline ${median(perRequest.get(v.name)!).toFixed(0)} us`
        : `${v.name} ${median(perRequest.get(v.name)!).toFixed(0)} us, its own cost ${median(deltas.get(v.name)!).toFixed(0)} us`,
    )
    .join('; ')} per request (sink got ${(sink.bytes() / 1e6).toFixed(1)} MB)`,
);
sink.close();
