// Experiment (not a benchmark): a heap snapshot of the app 6 s into a 10 s load of --path (/trivial),
// uninstrumented and in each variant (bench-app.ts's grammar; default `spyglass`), written to
// /tmp/spyglass-snapshots/<variant>/. Read them with retainers.cjs beside this file: how many
// requests are alive, and what holds them. The twenty-third session found this way that the
// agent's context kept one request per connection alive (bench/agent/RESULTS.md).
//   node --import tsx bench/agent/experiments/snapshot-under-load.ts [--node VERSION] [--path /db] [--rate N] [NAME=SPEC ...]
import { mkdirSync, readdirSync } from 'node:fs';
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
} from '../bench-app.ts';
import { runOnNode } from '../../support/node-runtime.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    node: { type: 'string' },
    path: { type: 'string', default: '/trivial' },
    /** Requests per second in all (default: as many as the app serves). */
    rate: { type: 'string' },
  },
});
runOnNode(values.node);
const services = await benchServices();
await ensureAgentBuilt();
const sink = await startExportSink();
const variants = variantsFromArgs(positionals, { serviceName: 'snapshot', endpoint: sink.endpoint });
for (const v of variants) {
  const dir = `/tmp/spyglass-snapshots/${v.name}`;
  mkdirSync(dir, { recursive: true });
  const app = await startBenchApp(v.name, (port) => v.env(appEnvironment(services, port)), [
    '--heapsnapshot-signal=SIGUSR2',
    `--diagnostic-dir=${dir}`,
    ...v.nodeArgs,
  ]);
  const load = autocannon({
    url: `http://127.0.0.1:${app.port}${values.path}`,
    connections: 32,
    duration: 10,
  });
  await new Promise((resolve) => setTimeout(resolve, 6000));
  app.child.kill('SIGUSR2');
  await load;
  await new Promise((resolve) => setTimeout(resolve, 3000)); // the snapshot is written
  await stopBenchApp(app.child);
  console.log(`${v.name}: ${dir}/${readdirSync(dir).at(-1)}`);
}
sink.close();
