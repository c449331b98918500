/**
 * npm run bench:agent-startup-phases [-- --starts 12 --node VERSION]
 *
 * Where the agent's startup time goes, in wall-clock time: bench/agent/app.cjs
 * starts with two preloads of this script's around the agent's `--require`
 * (the first notes the time, the second notes it again and exits the app at
 * its "listening" line), uninstrumented and under the agent in turns. Printed:
 * Node.js's own boot (process start to the first preload), the agent's
 * preload, and the application's own start (the second preload to
 * "listening"), medians of `--starts` pairs. The sixteenth session read the
 * agent's preload at ~43 ms and the application's own start unchanged by it,
 * where `bench:agent-startup` counted no more instructions than without the
 * agent (bench/agent/RESULTS.md): use this for the time, that for the work.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureAgentBuilt, REGISTER_CJS } from '@spyglass/agent';
import { appEnvironment, benchServices } from './bench-app.ts';
import { runOnNode } from '../support/node-runtime.ts';
import { median } from '../support/stats.ts';

const { values } = parseArgs({
  options: { starts: { type: 'string', default: '12' }, node: { type: 'string' } },
});
runOnNode(values.node);
const starts = Number(values.starts);

const services = await benchServices();
await ensureAgentBuilt();
const APP = join(import.meta.dirname, 'app.cjs');
const dir = mkdtempSync(join(tmpdir(), 'spyglass-startup-phases-'));
const before = join(dir, 'before.cjs');
const after = join(dir, 'after.cjs');
writeFileSync(before, 'globalThis.__spyglassBefore = performance.now();\n');
// performance.now() counts from the process's start (its time origin).
writeFileSync(
  after,
  `const after = performance.now();
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = (chunk, ...rest) => {
  if (String(chunk).includes('listening')) {
    write('PHASES ' + JSON.stringify([globalThis.__spyglassBefore, after, performance.now()]) + '\\n');
    process.exit(0);
  }
  return write(chunk, ...rest);
};\n`,
);

type Phases = { boot: number; preload: number; app: number };
function start(withAgent: boolean): Phases {
  const env = {
    ...appEnvironment(services, 0),
    PORT: '0',
    SPYGLASS_SERVICE_NAME: 'bench-startup-phases',
    SPYGLASS_ENDPOINT: 'http://127.0.0.1:9', // nothing is exported before "listening"
  };
  const preloads = withAgent
    ? ['--require', before, '--require', REGISTER_CJS, '--require', after]
    : ['--require', before, '--require', after];
  const r = spawnSync(process.execPath, [...preloads, APP], { env, encoding: 'utf8', timeout: 30_000 });
  const line = r.stdout.split('\n').find((l) => l.startsWith('PHASES '));
  if (!line) throw new Error(`no phases (exit ${r.status}): ${r.stderr.slice(-500)}`);
  const [t0, t1, t2] = JSON.parse(line.slice('PHASES '.length)) as [number, number, number];
  return { boot: t0, preload: t1 - t0, app: t2 - t1 };
}

start(true); // writes the agent's code cache, as a user's first run does
const runs: Record<'baseline' | 'spyglass', Phases[]> = { baseline: [], spyglass: [] };
for (let i = 0; i < starts; i++) {
  runs.baseline.push(start(false));
  runs.spyglass.push(start(true));
}
const row = (phases: Phases[]) => ({
  'node boot (ms)': Number(median(phases.map((p) => p.boot)).toFixed(1)),
  'agent preload (ms)': Number(median(phases.map((p) => p.preload)).toFixed(1)),
  'application start (ms)': Number(median(phases.map((p) => p.app)).toFixed(1)),
  'total (ms)': Number(median(phases.map((p) => p.boot + p.preload + p.app)).toFixed(1)),
});
console.log(`bench/agent/app.cjs to "listening", medians of ${starts} starts each, in turns`);
console.table({ baseline: row(runs.baseline), spyglass: row(runs.spyglass) });
