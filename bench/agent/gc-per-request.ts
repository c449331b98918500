/**
 * npm run bench:agent-gc [-- --path /trivial --warmup 15000 --requests 30000 --rounds 3 --node VERSION NAME=SPEC ...]
 *
 * What the agent costs the garbage collector per request: bench/agent/app.cjs
 * runs with --trace-gc-nvp, uninstrumented and in each variant, in turns
 * (every round runs them all, each in a fresh process); after `--warmup`
 * requests, the collections during `--requests` more are summed from V8's
 * trace. Printed per request: bytes allocated and promoted to the old
 * generation, and the collector's pause; and the young (scavenge) and full
 * (mark-compact) collections in the window; per scavenge, the bytes that
 * lived through it (copied or promoted), and the semi-space's size at the end.
 *
 * The survivors are what grows the young generation: V8 doubles its
 * semi-space (up to 64 MB on Node.js 24, committed twice) once the bytes that
 * lived through scavenges since the last growth exceed its size
 * (`Heap::ShouldResizeNewSpace`). Objects that live a little (a request kept
 * until the connection's next one) are copied at every scavenge without ever
 * being promoted: promotion alone does not show them (the twenty-third
 * session, bench/agent/RESULTS.md).
 *
 * Objects that live past one or two scavenges are copied, then promoted, and
 * the cost of a scavenge grows with what survives it, not with what dies: an
 * agent that keeps its spans a little longer can cost more here than in
 * instructions (bench:agent-instructions runs 50 times slower under valgrind,
 * so time-based retention looks shorter there). Byte counts and collection
 * counts repeat within a few percent; pauses are wall-clock, and move with
 * the VM. The sixteenth session found the export batch's waiting spans this
 * way (bench/agent/RESULTS.md).
 *
 * Variants (default: `spyglass`): see parseVariant in bench-app.ts. The agent
 * exports to a sink in this process that answers 200 at once.
 */
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { ensureAgentBuilt } from '@spyglass/agent';
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
    warmup: { type: 'string', default: '15000' },
    requests: { type: 'string', default: '30000' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '16' },
  },
});
runOnNode(values.node);
const requests = Number(values.requests);

const services = await benchServices();
await ensureAgentBuilt();
const sink = await startExportSink();
const variants = variantsFromArgs(positionals, { serviceName: 'bench-gc', endpoint: sink.endpoint });

interface Window {
  allocatedPerRequest: number;
  promotedPerRequest: number;
  survivedPerScavenge: number;
  semiSpaceMb: number;
  pauseUsPerRequest: number;
  scavenges: number;
  markCompacts: number;
}

interface TraceSum {
  allocated: number;
  promoted: number;
  /** Bytes that lived through scavenges: copied within the young generation, or promoted. */
  survived: number;
  /** The young generation's semi-space after the last collection (it is committed twice). */
  semiSpace: number;
  pauseMs: number;
  scavenges: number;
  markCompacts: number;
}

/** Sums --trace-gc-nvp lines: one per collection, `gc=s` a scavenge, any other kind a full one. */
function sumTrace(lines: readonly string[]): TraceSum {
  const sum: TraceSum = {
    allocated: 0,
    promoted: 0,
    survived: 0,
    semiSpace: 0,
    pauseMs: 0,
    scavenges: 0,
    markCompacts: 0,
  };
  for (const line of lines) {
    const kind = /\bgc=(\w+)/.exec(line)?.[1];
    if (kind === undefined) continue;
    const promoted = Number(/\bpromoted=(\d+)/.exec(line)?.[1] ?? 0);
    if (kind === 's') {
      sum.scavenges++;
      sum.survived += promoted + Number(/\bnew_space_survived=(\d+)/.exec(line)?.[1] ?? 0);
    } else sum.markCompacts++;
    sum.allocated += Number(/\ballocated=(\d+)/.exec(line)?.[1] ?? 0);
    sum.promoted += promoted;
    sum.semiSpace = Number(/\bnew_space_capacity=(\d+)/.exec(line)?.[1] ?? sum.semiSpace);
    sum.pauseMs += Number(/\bpause=([\d.]+)/.exec(line)?.[1] ?? 0);
  }
  return sum;
}

const load = (port: number, amount: number) =>
  autocannon({
    url: `http://127.0.0.1:${port}${values.path}`,
    connections: Number(values.connections),
    amount,
    timeout: 30,
  });

async function measure(v: AgentVariant): Promise<Window> {
  // --trace-gc-nvp prints a line per collection on the app's stdout, beside its "listening".
  const { child, port } = await startBenchApp(v.name, (p) => v.env(appEnvironment(services, p)), [
    '--trace-gc-nvp',
    ...v.nodeArgs,
  ]);
  let trace = '';
  child.stdout!.on('data', (d: Buffer) => (trace += d.toString()));
  try {
    await load(port, Number(values.warmup));
    const windowStart = trace.length;
    await load(port, requests);
    const sum = sumTrace(trace.slice(windowStart).split('\n'));
    return {
      allocatedPerRequest: sum.allocated / requests,
      promotedPerRequest: sum.promoted / requests,
      survivedPerScavenge: sum.scavenges > 0 ? sum.survived / sum.scavenges : 0,
      semiSpaceMb: sum.semiSpace / 2 ** 20,
      pauseUsPerRequest: (sum.pauseMs * 1000) / requests,
      scavenges: sum.scavenges,
      markCompacts: sum.markCompacts,
    };
  } finally {
    await stopBenchApp(child);
  }
}

const results = new Map<string, Window[]>(variants.map((v) => [v.name, []]));
for (let round = 1; round <= Number(values.rounds); round++)
  for (let i = 0; i < variants.length; i++) {
    const w = await measure(variants[i]!);
    results.get(variants[i]!.name)!.push(w);
    process.stderr.write(
      `  round ${round} ${variants[i]!.name}: promoted ${(w.promotedPerRequest / 1024).toFixed(2)} KiB, ` +
        `pause ${w.pauseUsPerRequest.toFixed(1)} us per request\n`,
    );
  }
sink.close();

const of = (name: string, pick: (w: Window) => number) => median(results.get(name)!.map(pick));
console.log(
  `${values.path}: the collector's work per request, median of ${values.rounds} rounds of ${requests}`,
);
console.table(
  Object.fromEntries(
    variants.map((v) => [
      v.name,
      {
        'allocated (KiB)': Number((of(v.name, (w) => w.allocatedPerRequest) / 1024).toFixed(2)),
        'promoted (KiB)': Number((of(v.name, (w) => w.promotedPerRequest) / 1024).toFixed(2)),
        'survived/scavenge (KiB)': Number((of(v.name, (w) => w.survivedPerScavenge) / 1024).toFixed(1)),
        'semi-space (MB)': of(v.name, (w) => w.semiSpaceMb),
        'pause (us)': Number(of(v.name, (w) => w.pauseUsPerRequest).toFixed(1)),
        'added pause (us)': Number(
          (of(v.name, (w) => w.pauseUsPerRequest) - of('baseline', (w) => w.pauseUsPerRequest)).toFixed(1),
        ),
        scavenges: of(v.name, (w) => w.scavenges),
        'mark-compacts': of(v.name, (w) => w.markCompacts),
      },
    ]),
  ),
);
