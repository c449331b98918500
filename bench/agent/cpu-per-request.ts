/**
 * npm run bench:agent-cpu [-- --path /trivial --rate 1500 --seconds 10 --rounds 3 --cpu-prof DIR]
 *
 * The agent's CPU cost per request, measured at a fixed request rate (not at
 * saturation, where the shared VM's noise dominates): the app of
 * bench/agent/app.cjs runs uninstrumented and under `spyglass run`, in turns;
 * the app's utime+stime (from /proc) over the requests it served gives
 * microseconds of CPU per request, and the difference is the agent's. The
 * agent exports to a sink in this process that answers every OTLP request
 * with 200 at once, so the backend's work is not counted. `--cpu-prof DIR`
 * writes a V8 CPU profile of each run there (with SPYGLASS_AGENT_READABLE=1 the
 * agent is rebuilt with its function names kept).
 */
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { ensureAgentBuilt } from '@spyglass/agent';
import { agentEnvironment } from '../../packages/cli/src/commands/run.ts';
import { appEnvironment, benchServices, startBenchApp, stopBenchApp } from './bench-app.ts';

const { values } = parseArgs({
  options: {
    path: { type: 'string', default: '/trivial' },
    rate: { type: 'string', default: '1500' },
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '16' },
    'cpu-prof': { type: 'string' },
    // An agent configuration file (YAML or JSON), to price one feature by switching it off.
    'agent-config': { type: 'string' },
  },
});
const rate = Number(values.rate);
const seconds = Number(values.seconds);

const services = await benchServices();
await ensureAgentBuilt();

// The OTLP sink: reads each request and answers 200 with an empty response.
let sinkBytes = 0;
const sink = createServer((req, res) => {
  req.on('data', (d: Buffer) => (sinkBytes += d.length));
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/x-protobuf' });
    res.end();
  });
});
await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
const endpoint = `http://127.0.0.1:${(sink.address() as { port: number }).port}`;

type Mode = 'baseline' | 'spyglass';

function startApp(mode: Mode) {
  const env = (port: number) => {
    const base = appEnvironment(services, port);
    return mode === 'spyglass'
      ? agentEnvironment(base, { serviceName: 'bench-cpu', endpoint, config: values['agent-config'] })
      : base;
  };
  const prof = values['cpu-prof']
    ? [
        '--cpu-prof',
        '--cpu-prof-dir',
        values['cpu-prof'],
        '--cpu-prof-name',
        `${mode}-${Date.now()}.cpuprofile`,
      ]
    : [];
  return startBenchApp(mode, env, prof);
}

/** utime + stime of a process, in microseconds. */
function cpuUs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks / 100) * 1e6; // USER_HZ is 100 on Linux
}

async function measure(mode: Mode): Promise<number> {
  const { child, port } = await startApp(mode);
  const url = `http://127.0.0.1:${port}${values.path}`;
  const connections = Number(values.connections);
  await autocannon({ url, connections, duration: 2, overallRate: rate }); // warm-up
  const cpu0 = cpuUs(child.pid!);
  const r = await autocannon({ url, connections, duration: seconds, overallRate: rate });
  const cpu = cpuUs(child.pid!) - cpu0;
  await stopBenchApp(child);
  if (r.errors + r.non2xx > 0) throw new Error(`${mode}: ${r.errors + r.non2xx} failed requests`);
  return cpu / r.requests.total;
}

const perRequest: Record<Mode, number[]> = { baseline: [], spyglass: [] };
for (let round = 0; round < Number(values.rounds); round++) {
  for (const mode of ['baseline', 'spyglass'] as const) perRequest[mode].push(await measure(mode));
  const b = perRequest.baseline.at(-1)!;
  const s = perRequest.spyglass.at(-1)!;
  console.log(
    `round ${round + 1}: ${values.path} at ${rate}/s: baseline ${b.toFixed(0)} us, agent ${s.toFixed(0)} us, agent's own ${(s - b).toFixed(0)} us per request`,
  );
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const b = median(perRequest.baseline);
const s = median(perRequest.spyglass);
console.log(
  `median: baseline ${b.toFixed(0)} us, agent ${s.toFixed(0)} us, agent's own cost ${(s - b).toFixed(0)} us per request (sink got ${(sinkBytes / 1e6).toFixed(1)} MB)`,
);
sink.close();
