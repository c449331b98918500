#!/usr/bin/env node
// Runs the demo (examples/demo/): the backing services (infra/), the Spyglass all-in-one, the five
// demo services under the Spyglass launcher, and the traffic generator. Ctrl-C / SIGTERM stops
// everything it started, in reverse order (the backing services keep running).
//
//   node scripts/demo.mjs [--no-agent] [--no-traffic] [--rate N] [--spyglass] [--keep-infra]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = 'packages/cli/bin/spyglass.js';
const API = 'http://127.0.0.1:8080';
const OTLP_HTTP = 'http://127.0.0.1:4318';

const USAGE = `Usage: node scripts/demo.mjs [options]

Starts the backing services (bash infra/start.sh), Spyglass (spyglass up), the demo services of
examples/demo/ under the Spyglass agent (spyglass run) and a traffic generator.

Options:
  --no-agent     Start the services with plain node, without the agent. Spyglass itself is then
                 not started either (nothing would send it data) unless --spyglass is given.
  --spyglass     Start Spyglass even with --no-agent.
  --no-traffic   Do not start the traffic generator (examples/demo/traffic.mjs).
  --rate N       Requests per second of the traffic generator (default 5).
  --keep-infra   Leave the backing services running on exit. This is the default (and the
                 only behaviour): stop them with \`bash infra/stop.sh\`.
  -h, --help     This help.
`;

let opts;
try {
  opts = parseArgs({
    strict: true,
    options: {
      'no-agent': { type: 'boolean', default: false },
      spyglass: { type: 'boolean', default: false },
      'no-traffic': { type: 'boolean', default: false },
      rate: { type: 'string', default: '5' },
      'keep-infra': { type: 'boolean', default: true },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }).values;
} catch (err) {
  process.stderr.write(`${err.message}\n\n${USAGE}`);
  process.exit(2);
}
if (opts.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const useAgent = !opts['no-agent'];
const startSpyglassToo = useAgent || opts.spyglass;
const rate = Number(opts.rate);
if (!(rate > 0)) {
  process.stderr.write('--rate must be a number > 0\n');
  process.exit(2);
}

// --- output ------------------------------------------------------------------------------------
const COLORS = process.stdout.isTTY && !process.env.NO_COLOR;
const PALETTE = [36, 33, 35, 32, 34, 91, 96, 93];
let nextColor = 0;
const paint = (code, text) => (COLORS ? `\x1b[${code}m${text}\x1b[0m` : text);
const PREFIX_WIDTH = 13;
const say = (msg) => process.stdout.write(`${paint(1, '[demo]'.padEnd(PREFIX_WIDTH))} ${msg}\n`);
const warn = (msg) => process.stderr.write(`${paint(31, '[demo]'.padEnd(PREFIX_WIDTH))} ${msg}\n`);

/** Pipes a child's stdout/stderr to ours, one prefixed line at a time; `onLine` sees each line. */
function pipeLines(child, name, onLine) {
  const prefix = paint(PALETTE[nextColor++ % PALETTE.length], `[${name}]`.padEnd(PREFIX_WIDTH));
  for (const [stream, out] of [
    [child.stdout, process.stdout],
    [child.stderr, process.stderr],
  ]) {
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      out.write(`${prefix} ${line}\n`);
      onLine?.(line);
    });
  }
}

// --- child processes ---------------------------------------------------------------------------
/** Children still to stop, in start order. */
const children = [];
let shuttingDown = false;

/**
 * Starts a long-running child in its own process group (so a terminal Ctrl-C reaches only this
 * script, which then stops the children in order) with prefixed output.
 */
function startChild(name, command, args, { env = {}, onLine } = {}) {
  say(`starting ${name}: ${[command, ...args].join(' ')}`);
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const entry = { name, child, exited: false, code: null, signal: null };
  entry.exit = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      Object.assign(entry, { exited: true, code, signal });
      if (!shuttingDown) warn(`${name} exited unexpectedly (${signal ?? `code ${code}`})`);
      resolve();
    });
  });
  child.on('error', (err) => warn(`${name}: ${err.message}`));
  pipeLines(child, name, onLine);
  children.push(entry);
  return entry;
}

/** Stops one child: SIGTERM, then SIGKILL to its whole process group after `graceMs`. */
async function stopChild(entry, graceMs = 10_000) {
  if (entry.exited) return;
  say(`stopping ${entry.name} (pid ${entry.child.pid})`);
  try {
    entry.child.kill('SIGTERM');
  } catch {
    // already gone
  }
  let timer;
  const timedOut = await Promise.race([
    entry.exit.then(() => false),
    new Promise((resolve) => (timer = setTimeout(() => resolve(true), graceMs))),
  ]);
  clearTimeout(timer);
  if (timedOut) {
    warn(`${entry.name} did not stop in ${graceMs / 1000}s: killing it`);
    killGroup(entry, 'SIGKILL');
    await entry.exit;
  }
  // Anything the child left behind in its process group (e.g. the launcher's application).
  killGroup(entry, 'SIGKILL');
}

function killGroup(entry, signal) {
  try {
    process.kill(-entry.child.pid, signal);
  } catch {
    // no such group any more
  }
}

async function shutdown(reason, exitCode = 0) {
  if (shuttingDown) return;
  shuttingDown = true;
  say(`${reason}: stopping everything in reverse order`);
  for (const entry of [...children].reverse()) await stopChild(entry);
  for (const entry of children) {
    const how = entry.signal ?? `code ${entry.code}`;
    say(`${entry.name.padEnd(11)} exited (${how})`);
  }
  say('the backing services are still running; stop them with: bash infra/stop.sh');
  process.exit(exitCode);
}

let signals = 0;
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    if (++signals > 1) {
      warn(`${sig} again: killing everything now`);
      for (const entry of children) killGroup(entry, 'SIGKILL');
      process.exit(130);
    }
    void shutdown(`${sig} received`, 0);
  });
}
// Never leave children behind, whatever happens to this script.
process.on('exit', () => {
  for (const entry of children) if (!entry.exited) killGroup(entry, 'SIGKILL');
});

/** Runs a command to completion with prefixed output; resolves to its exit code. */
function runStep(name, command, args) {
  return new Promise((resolve) => {
    say(`running ${[command, ...args].join(' ')}`);
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    pipeLines(child, name);
    child.on('error', (err) => {
      warn(`${name}: ${err.message}`);
      resolve(1);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

// --- readiness -------------------------------------------------------------------------------
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function portOpen(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

async function healthy(url) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

/** Polls `check` until it is true; fails if `entry` exits first or after `timeoutMs`. */
async function waitFor(entry, what, check, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (shuttingDown) return false;
    if (entry?.exited) throw new Error(`${entry.name} exited before ${what}`);
    if (Date.now() > deadline)
      throw new Error(`${entry ? `${entry.name}: ` : ''}no ${what} after ${timeoutMs / 1000}s`);
    await sleep(250);
  }
  return true;
}

// --- steps -------------------------------------------------------------------------------------
function which(cmd) {
  return spawnSync('bash', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** The backing services the demo's services use (see examples/demo/README.md). */
const DEMO_INFRA = ['postgres', 'redis', 'rabbitmq', 'kafka'];

/** What infra/install.sh would install (an empty list when everything is there). */
function missingInfra() {
  const missing = [];
  if (!existsSync(path.join(ROOT, 'infra/.cache/kafka/libs')))
    missing.push('Kafka jars (infra/.cache/kafka/libs)');
  const pgDirs = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql') : [];
  if (!pgDirs.some((v) => existsSync(`/usr/lib/postgresql/${v}/bin/postgres`)) && !which('postgres')) {
    missing.push('postgres');
  }
  if (!which('psql') || !which('pg_isready')) missing.push('psql');
  if (!which('redis-server') || !which('redis-cli')) missing.push('redis-server');
  if (!existsSync('/usr/lib/rabbitmq/bin/rabbitmq-server') && !which('rabbitmq-server')) {
    missing.push('rabbitmq-server');
  }
  if (!which('java')) missing.push('java');
  return missing;
}

async function startInfra() {
  const missing = missingInfra();
  if (missing.length > 0) {
    say(`missing: ${missing.join(', ')}: installing them`);
    if ((await runStep('install', 'bash', ['infra/install.sh'])) !== 0) {
      throw new Error('bash infra/install.sh failed');
    }
  }
  // Only what the demo's services use (infra/start.sh alone also starts MariaDB, for the tests).
  if ((await runStep('infra', 'bash', ['infra/start.sh', ...DEMO_INFRA])) !== 0)
    throw new Error('bash infra/start.sh failed');
}

async function startSpyglass() {
  if (await healthy(`${API}/api/health`)) {
    say(`Spyglass already answers on ${API}: using it`);
    return;
  }
  if (await portOpen(8080)) {
    throw new Error(`port 8080 is taken by something that is not a healthy Spyglass (${API}/api/health)`);
  }
  const entry = startChild('spyglass', process.execPath, [CLI, 'up', '--data-dir', '.spyglass-data']);
  await waitFor(entry, `healthy ${API}/api/health`, () => healthy(`${API}/api/health`), 120_000);
  say(`Spyglass is up on ${API}`);
}

const SERVICES = [
  // Downstream first, so every service finds what it calls.
  { name: 'payments', file: 'payments.cjs', port: 7004 },
  { name: 'notifier', file: 'notifier.cjs', readyLine: /notifier ready/ },
  { name: 'fulfillment', file: 'fulfillment.mjs', readyLine: /fulfillment ready/ },
  { name: 'orders', file: 'orders.mjs', port: 7002 },
  { name: 'web', file: 'web.mjs', port: 7001 },
];

const INFRA_ENV = {
  SPYGLASS_PG_URL: 'postgres://spyglass:spyglass@127.0.0.1:55432/spyglass',
  SPYGLASS_REDIS_URL: 'redis://127.0.0.1:56379',
  SPYGLASS_AMQP_URL: 'amqp://spyglass:spyglass@127.0.0.1:55672',
  SPYGLASS_KAFKA_BROKERS: '127.0.0.1:59092',
};
// Values already in the environment win (like infra/env.sh).
const serviceEnv = Object.fromEntries(Object.entries(INFRA_ENV).map(([k, v]) => [k, process.env[k] || v]));

async function startService({ name, file, port, readyLine }) {
  const script = `examples/demo/${file}`;
  if (port && (await portOpen(port))) throw new Error(`port ${port} (${name}) is already in use`);
  let sawReady = false;
  const onLine = readyLine ? (line) => (sawReady ||= readyLine.test(line)) : undefined;
  const [command, args] = useAgent
    ? [process.execPath, [CLI, 'run', '--service-name', name, '--endpoint', OTLP_HTTP, '--', 'node', script]]
    : [process.execPath, [script]];
  const entry = startChild(name, command, args, { env: serviceEnv, onLine });
  if (port) {
    await waitFor(entry, `listener on port ${port}`, () => portOpen(port), 60_000);
  } else if (readyLine) {
    try {
      await waitFor(entry, 'ready message', () => sawReady, 60_000);
    } catch (err) {
      if (entry.exited) throw err;
      warn(`${err.message}: carrying on`);
    }
  }
}

function printWhereToLook() {
  const lines = [
    '',
    'The demo is running.',
    startSpyglassToo ? `  Spyglass UI/API:  ${API}` : '  (Spyglass not started: --no-agent)',
    `  Search traces:    npx spyglass query 'service:web' --since 5m`,
    `  Search logs:      npx spyglass query 'service:fulfillment' --signal logs --since 5m`,
    '  Demo API:         curl -s -X POST http://127.0.0.1:7001/api/checkout -H "Authorization: Bearer demo" \\',
    `                      -H 'content-type: application/json' -d '{"customer":"ada","items":[{"sku":"SKU-TEA","qty":2}]}'`,
    'Press Ctrl-C to stop the demo (the backing services keep running: bash infra/stop.sh).',
    '',
  ];
  for (const line of lines) say(line);
}

async function main() {
  say(`Spyglass demo (${useAgent ? 'with the agent' : 'without the agent'})`);
  await startInfra();
  if (shuttingDown) return;
  if (startSpyglassToo) await startSpyglass();
  for (const service of SERVICES) {
    if (shuttingDown) return;
    await startService(service);
  }
  if (shuttingDown) return;
  if (!opts['no-traffic']) {
    startChild('traffic', process.execPath, ['examples/demo/traffic.mjs', '--rate', String(rate)]);
  }
  printWhereToLook();
}

main().catch((err) => {
  warn(`demo failed: ${err.message}`);
  if (useAgent && /exited before/.test(err.message)) {
    warn(`if \`spyglass run\` is not available, try: node scripts/demo.mjs --no-agent`);
  }
  void shutdown('startup failed', 1);
});
