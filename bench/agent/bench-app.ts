/**
 * The benchmark application (app.cjs) as a child process, shared by the
 * agent benchmarks: its backing services, starting it with a given
 * environment and node flags (resolving once it prints "listening"), and
 * stopping it; where its agent exports (a discarding sink, or `spyglass up`);
 * and how perf's frames are named.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { agentEnvironment } from '../../packages/cli/src/commands/run.ts';
import { backingService } from '../../test/support/backing-services.ts';
import {
  exited,
  freePort,
  startSpyglassOnFreePorts,
  type SpyglassPorts,
} from '../../test/support/spyglass-process.ts';

const APP = join(import.meta.dirname, 'app.cjs');

/** PostgreSQL and Redis URLs for the app's /db route; exits with a hint when they are not running. */
export async function benchServices(): Promise<{ pgUrl: string; redisUrl: string }> {
  const pg = await backingService('postgres');
  const redis = await backingService('redis');
  if (!pg.available || !redis.available) {
    console.error(
      'the agent benchmarks need PostgreSQL and Redis: bash infra/install.sh && bash infra/start.sh',
    );
    process.exit(1);
  }
  return { pgUrl: pg.url, redisUrl: redis.url };
}

/** Exits with a hint when valgrind (the instruction benchmarks' counter) is not installed. */
export function requireValgrind(benchmark: string): void {
  try {
    execFileSync('valgrind', ['--version'], { stdio: 'ignore' });
  } catch {
    console.error(`${benchmark} needs valgrind (apt-get install valgrind)`);
    process.exit(1);
  }
}

/** The app's environment without any inherited NODE_OPTIONS (each mode sets its own). */
export function appEnvironment(
  services: { pgUrl: string; redisUrl: string },
  port: number,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    PG_URL: services.pgUrl,
    REDIS_URL: services.redisUrl,
  };
  delete env['NODE_OPTIONS'];
  return env;
}

export interface BenchApp {
  readonly child: ChildProcess;
  readonly port: number;
  /** From spawn to the app's "listening" line. */
  readonly startupMs: number;
}

/** Starts the app; `env` gets PORT from `port` (see appEnvironment); `cwd` defaults to the repository. */
export async function startBenchApp(
  label: string,
  env: (port: number) => NodeJS.ProcessEnv,
  nodeArgs: readonly string[] = [],
  cwd: string = join(import.meta.dirname, '../..'),
): Promise<BenchApp> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, APP], { env: env(port), cwd });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const startupMs = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('listening')) resolve(performance.now() - t0);
    });
    child.once('exit', (code) => reject(new Error(`${label} app exited (${code}): ${stderr}`)));
  });
  return { child, port, startupMs };
}

/** SIGTERM, then SIGKILL after 5 s. */
export async function stopBenchApp(child: ChildProcess): Promise<void> {
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited(child);
  clearTimeout(timer);
}

/** One way to run the app: its environment and node flags. */
export interface AgentVariant {
  readonly name: string;
  env(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  readonly nodeArgs: readonly string[];
}

export const BASELINE: AgentVariant = { name: 'baseline', env: (base) => base, nodeArgs: [] };

/**
 * A variant from the command line of bench:agent-instructions and bench:agent-profile:
 *   spyglass             the agent as `spyglass run` starts it
 *   NAME=agent:CONFIG    with an agent configuration file (to price a feature)
 *   NAME=env:K=V,K2=V2   as spyglass, plus environment variables (temporary experiment switches)
 *   NAME=import:FILE     `node --import FILE` (another build of the agent's register.mjs)
 *   NAME=preload:FILE    `node --require FILE` (a hand-written experiment)
 */
export function parseVariant(spec: string, agent: { serviceName: string; endpoint: string }): AgentVariant {
  const spyglass = (base: NodeJS.ProcessEnv, config?: string) =>
    agentEnvironment(base, { serviceName: agent.serviceName, endpoint: agent.endpoint, config });
  if (spec === 'spyglass') return { name: spec, env: (base) => spyglass(base), nodeArgs: [] };
  const eq = spec.indexOf('=');
  const colon = spec.indexOf(':', eq);
  if (eq <= 0 || colon === -1) throw new Error(`a variant is spyglass or NAME=KIND:VALUE, not '${spec}'`);
  const name = spec.slice(0, eq);
  const kind = spec.slice(eq + 1, colon);
  const value = spec.slice(colon + 1);
  const agentEnv = (base: NodeJS.ProcessEnv) => ({
    ...base,
    SPYGLASS_SERVICE_NAME: agent.serviceName,
    SPYGLASS_ENDPOINT: agent.endpoint,
  });
  switch (kind) {
    case 'agent':
      return { name, env: (base) => spyglass(base, value), nodeArgs: [] };
    case 'env': {
      const vars = Object.fromEntries(
        value.split(',').map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
      );
      return { name, env: (base) => ({ ...spyglass(base), ...vars }), nodeArgs: [] };
    }
    case 'import':
      return { name, env: agentEnv, nodeArgs: ['--import', resolve(value)] };
    case 'preload':
      return { name, env: agentEnv, nodeArgs: ['--require', resolve(value)] };
    default:
      throw new Error(`unknown variant kind '${kind}' in '${spec}'`);
  }
}

/** The baseline, then the variants named on the command line (`spyglass` when none is). */
export function variantsFromArgs(
  specs: readonly string[],
  agent: { serviceName: string; endpoint: string },
): AgentVariant[] {
  return [BASELINE, ...(specs.length > 0 ? specs : ['spyglass']).map((spec) => parseVariant(spec, agent))];
}

/** `spyglass up` on the embedded store, for a benchmark's agents to export to. */
export interface BenchBackend {
  readonly child: ChildProcess;
  readonly ports: SpyglassPorts;
  /** The OTLP/HTTP endpoint to give an agent. */
  readonly endpoint: string;
  /** Stops it and removes its scratch data directory. */
  stop(): Promise<void>;
}

export async function startBenchBackend(): Promise<BenchBackend> {
  const dataDir = mkdtempSync(join(tmpdir(), 'spyglass-bench-backend-'));
  const { child, ports } = await startSpyglassOnFreePorts({ dataDir });
  return {
    child,
    ports,
    endpoint: `http://127.0.0.1:${ports.otlp}`,
    stop: async () => {
      child.kill('SIGTERM');
      await exited(child);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface ExportSink {
  /** The OTLP/HTTP endpoint to give the agent. */
  readonly endpoint: string;
  /** Request bytes received so far. */
  bytes(): number;
  close(): void;
}

/** An OTLP endpoint in this process: reads each export request and answers 200 at once. */
export async function startExportSink(): Promise<ExportSink> {
  let bytes = 0;
  const server = createServer((req, res) => {
    req.on('data', (d: Buffer) => (bytes += d.length));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/x-protobuf' });
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    bytes: () => bytes,
    close: () => server.close(),
  };
}

/**
 * The agent's bundle: packages/agent/dist, or a copy of it beside it (dist-before, ...) that a
 * variant preloads to compare with an earlier build.
 */
const AGENT_BUNDLE = /\/packages\/agent\/dist[^/]*\//;

/** Whether a script path, or a profiler's frame name holding one, is the agent's bundle's. */
export const isAgentCode = (pathOrFrame: string): boolean => AGENT_BUNDLE.test(pathOrFrame);

/** perf's mark before a JavaScript frame's name (`JS:*name` optimized, `~` interpreted, `^` baseline). */
const JS_FRAME_PREFIX = /^JS:[*~^]?/;

/** A frame of the agent's bundle named by its function and its place in the bundle (`emit agent.cjs:7:11710`). */
export function agentFunctionOfFrame(frame: string): string {
  return frame.replace(JS_FRAME_PREFIX, '').replace(AGENT_BUNDLE_PATH, ' ');
}

/**
 * Any other JavaScript frame (`JS:*name /path/file.js:line:col`) named by its function, its
 * package (see packageOfFrame) and its line (`emit node:events:471`): the same in every variant.
 */
export function functionOfFrame(frame: string, pkg: string): string {
  const at = frame.indexOf(' ');
  const name = frame.slice(0, at === -1 ? undefined : at).replace(JS_FRAME_PREFIX, '');
  const line = at === -1 ? '' : (/:(\d+):\d+$/.exec(frame)?.[1] ?? '');
  return `${name || '(anonymous)'} ${pkg}${line ? `:${line}` : ''}`;
}
/** The path up to the bundle's folder, after the function's name. */
const AGENT_BUNDLE_PATH = new RegExp(` \\S*${AGENT_BUNDLE.source}`);

/**
 * The package or runtime part a JavaScript frame belongs to, from its script's URL or path: the
 * agent, a package under node_modules, a node: module, the bench app.
 */
export function packageOfFrame(url: string, functionName: string): string {
  if (isAgentCode(url)) return 'agent';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm !== -1) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (url.startsWith('node:')) return url;
  if (url === '') return `(${functionName || 'native'})`;
  return url.endsWith('app.cjs') ? 'app.cjs' : url;
}
