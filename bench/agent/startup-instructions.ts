/**
 * npm run bench:agent-startup [-- --runs 3 NAME=SPEC ...]
 *
 * The agent's startup cost in CPU instructions, which this shared VM cannot
 * blur: bench/agent/app.cjs runs under valgrind (cachegrind, no cache
 * simulation) from spawn to its "listening" line, uninstrumented and in each
 * variant, and the instruction counts are compared. Counts repeat within
 * ~0.3% between runs, where wall-clock startup moves by tens of milliseconds
 * (bench:agent measures that, as the median of paired differences). Use this
 * to decide whether a change makes startup cheaper; bench:agent for the time.
 *
 * Variants (default: `spyglass` and `upstream`):
 *   spyglass         as `spyglass run` starts it (NODE_OPTIONS --require register.cjs)
 *   import           the ES-module preload, as preloaded by hand (--import register.mjs)
 *   upstream         @opentelemetry/auto-instrumentations-node/register
 *   NAME=preload:FILE  `node --require FILE`, a hand-written experiment
 * The agent's code cache is removed first, and written by an uncounted start
 * of the app, as a user's first run writes it.
 */
import { spawnSync } from 'node:child_process';
import { rmSync, readdirSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AGENT_DIST, REGISTER_MJS, ensureAgentBuilt } from '@spyglass/agent';
import { agentEnvironment } from '../../packages/cli/src/commands/run.ts';
import { appEnvironment, benchServices, requireValgrind } from './bench-app.ts';
import { median } from '../support/stats.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { runs: { type: 'string', default: '3' } },
});
const runs = Number(values.runs);

requireValgrind('bench:agent-startup');

const services = await benchServices();
await ensureAgentBuilt();
const APP = join(import.meta.dirname, 'app.cjs');
const ENDPOINT = 'http://127.0.0.1:9'; // nothing is exported before "listening"

// Exits the app as it prints "listening" (loaded first, so it sees the app's own write).
const exitAtListening = join(mkdtempSync(join(tmpdir(), 'spyglass-startup-')), 'exit-at-listening.cjs');
writeFileSync(
  exitAtListening,
  `const write = process.stdout.write.bind(process.stdout);
process.stdout.write = (chunk, ...rest) => {
  if (String(chunk).includes('listening')) { write(chunk); process.exit(0); }
  return write(chunk, ...rest);
};\n`,
);

type Env = (base: NodeJS.ProcessEnv) => NodeJS.ProcessEnv;
const builtIn: Record<string, Env> = {
  spyglass: (base) => agentEnvironment(base, { serviceName: 'bench-startup', endpoint: ENDPOINT }),
  import: (base) => ({
    ...base,
    NODE_OPTIONS: `--import ${REGISTER_MJS}`,
    SPYGLASS_SERVICE_NAME: 'bench-startup',
    SPYGLASS_ENDPOINT: ENDPOINT,
  }),
  upstream: (base) => ({
    ...base,
    NODE_OPTIONS: '--require @opentelemetry/auto-instrumentations-node/register',
    OTEL_SERVICE_NAME: 'bench-startup',
    OTEL_EXPORTER_OTLP_ENDPOINT: ENDPOINT,
  }),
};
const variants: Array<[string, Env]> = [['baseline', (base) => base]];
for (const spec of positionals.length > 0 ? positionals : ['spyglass', 'upstream']) {
  const [name, kind, file] = spec.includes('=')
    ? [spec.split('=')[0]!, ...spec.split('=')[1]!.split(':')]
    : [spec, spec];
  if (kind === 'preload' && file)
    variants.push([name, (base) => ({ ...base, NODE_OPTIONS: `--require ${file}` })]);
  else if (builtIn[kind!]) variants.push([name, builtIn[kind!]!]);
  else throw new Error(`unknown variant '${spec}'`);
}

const env = (variant: Env) => variant({ ...appEnvironment(services, 0), PORT: '0' });

// The agent's code cache, as a first run writes it (the uncounted start runs past the point where
// the agent saves it: the export pipeline's start, one second in).
for (const name of readdirSync(AGENT_DIST)) if (name.endsWith('.v8cache')) rmSync(join(AGENT_DIST, name));
for (const [, variant] of variants.slice(1))
  spawnSync(process.execPath, [APP], { env: env(variant), timeout: 2500, stdio: 'ignore' });

function instructions(variant: Env): number {
  const r = spawnSync(
    'valgrind',
    [
      '--tool=cachegrind',
      '--cache-sim=no',
      '--cachegrind-out-file=/dev/null',
      process.execPath,
      '--require',
      exitAtListening,
      APP,
    ],
    { env: env(variant), encoding: 'utf8', timeout: 180_000 },
  );
  const m = /I\s+refs:\s+([\d,]+)/.exec(r.stderr);
  if (!m || !r.stdout.includes('listening')) throw new Error(`no count: ${r.stderr.slice(-500)}`);
  return Number(m[1]!.replace(/,/g, ''));
}

const counts = new Map<string, number[]>(variants.map(([name]) => [name, []]));
for (let i = 0; i < runs; i++)
  for (const [name, variant] of variants) {
    counts.get(name)!.push(instructions(variant));
    process.stderr.write(`  run ${i + 1} ${name} done\n`);
  }
const base = median(counts.get('baseline')!);
console.table(
  Object.fromEntries(
    variants.map(([name]) => {
      const m = median(counts.get(name)!);
      return [
        name,
        {
          'instructions (M)': Math.round(m / 1e6),
          'added (M)': Math.round((m - base) / 1e6),
          'added %': Number(((100 * (m - base)) / base).toFixed(1)),
          'spread %': Number(
            ((100 * (Math.max(...counts.get(name)!) - Math.min(...counts.get(name)!))) / m).toFixed(2),
          ),
        },
      ];
    }),
  ),
);
