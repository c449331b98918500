// Experiment (not a benchmark): the app under the agent with V8's deopt/opt traces, loaded in
// phases (trivial, db, trivial); each phase's trace lines go to /tmp/deopt/<phase>.txt.
import { writeFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { ensureAgentBuilt } from '@spyglass/agent';
import { agentEnvironment } from '../../../packages/cli/src/commands/run.ts';
import { appEnvironment, benchServices, startBenchApp, startExportSink, stopBenchApp } from '../bench-app.ts';

const services = await benchServices();
await ensureAgentBuilt();
const sink = await startExportSink();
const flags = (process.env.V8_FLAGS ?? '--trace-deopt --trace-opt').split(' ');
const app = await startBenchApp(
  'traced',
  (port) =>
    agentEnvironment(appEnvironment(services, port), { serviceName: 'deopt', endpoint: sink.endpoint }),
  flags,
);
let out = '';
app.child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
const phase = async (name: string, path: string, seconds: number) => {
  out = '';
  await autocannon({ url: `http://127.0.0.1:${app.port}${path}`, connections: 32, duration: seconds });
  writeFileSync(`/tmp/deopt/${name}.txt`, out);
};
await phase('1-trivial', '/trivial', 6);
await phase('2-trivial', '/trivial', 4);
await phase('3-db', '/db', 6);
await phase('4-trivial', '/trivial', 4);
await phase('5-trivial', '/trivial', 4);
await stopBenchApp(app.child);
sink.close();
