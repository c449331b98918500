import { after, before } from 'node:test';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exited, startSpyglassOnFreePorts, type SpyglassPorts } from './spyglass-process.ts';

/**
 * Agent tests: a real `spyglass up` (one per test file) receives what real
 * applications (plain-JS fixtures) export when run under `spyglass run`, and
 * tests assert on stored rows through the SQL API.
 */
export const ROOT = join(import.meta.dirname, '..', '..');
export const CLI = join(ROOT, 'packages/cli/bin/spyglass.js');
export const FIXTURES = join(ROOT, 'test/agent/fixtures');
export const fixture = (name: string): string => join(FIXTURES, name);

const CONFIG = 'clickhouseHttp:\n  enabled: false\ningest:\n  flushIntervalMs: 100\n';

export interface Backend {
  readonly ports: SpyglassPorts;
  /** The OTLP/HTTP base URL to give `spyglass run --endpoint`. */
  readonly otlpUrl: string;
  readonly dataDir: string;
  sql<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  /** Polls `sql` until `done(rows)` holds (ingest is asynchronous); throws with the last rows on timeout. */
  waitFor<T = Record<string, unknown>>(
    sql: string,
    done: (rows: T[]) => boolean,
    timeoutMs?: number,
  ): Promise<T[]>;
  stop(): Promise<void>;
}

export async function startBackend(): Promise<Backend> {
  const dataDir = mkdtempSync(join(tmpdir(), 'spyglass-agent-test-'));
  const { child, ports } = await startSpyglassOnFreePorts({ dataDir, config: CONFIG });
  const sql = async <T>(text: string): Promise<T[]> => {
    const r = await fetch(`http://127.0.0.1:${ports.http}/api/v1/sql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sql: text }),
    });
    const body = (await r.json()) as { rows?: T[]; error?: unknown };
    if (r.status !== 200 || !body.rows) throw new Error(`SQL failed (${r.status}): ${JSON.stringify(body)}`);
    return body.rows;
  };
  return {
    ports,
    dataDir,
    otlpUrl: `http://127.0.0.1:${ports.otlp}`,
    sql,
    async waitFor<T>(text: string, done: (rows: T[]) => boolean, timeoutMs = 20_000): Promise<T[]> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const rows = await sql<T>(text);
        if (done(rows)) return rows;
        if (Date.now() > deadline)
          throw new Error(
            `timed out waiting for rows of: ${text}\nlast result: ${JSON.stringify(rows).slice(0, 2000)}`,
          );
        await new Promise((r) => setTimeout(r, 150));
      }
    },
    async stop() {
      child.kill('SIGTERM');
      await exited(child);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * One `spyglass up` for a test file: started before its tests, stopped after
 * them. Returns the accessor the tests call.
 */
export function useBackend(): () => Backend {
  let backend: Backend | undefined;
  before(async () => {
    backend = await startBackend();
  });
  after(async () => {
    await backend?.stop();
  });
  return () => {
    if (!backend)
      throw new Error('the backend has not started (useBackend() must be called at the top of a test file)');
    return backend;
  };
}

/** A unique service name for one test, so tests never see each other's rows. */
export function uniqueService(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
}

/** Writes an agent config JSON file into a fresh temp dir; returns its path. */
export function writeAgentConfig(config: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'spyglass-agent-config-'));
  const file = join(dir, 'agent.json');
  writeFileSync(file, typeof config === 'string' ? config : JSON.stringify(config, null, 2));
  return file;
}

export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

export interface RunOptions {
  readonly service?: string;
  readonly endpoint?: string;
  readonly config?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Kill the child (SIGKILL) and fail after this long. */
  readonly timeoutMs?: number;
  /** Run without the launcher (a baseline). */
  readonly withoutAgent?: boolean;
  /** The node binary a fixture runs on (runFixture, startServerFixture); this process's by default. */
  readonly node?: string;
}

/**
 * Set SPYGLASS_TEST_AGENT_REGISTER=<path to a register.cjs or register.mjs> to run the fixtures
 * against another agent build (e.g. one built from a snapshot of a commit) instead of this
 * checkout's, through the environment the launcher sets (NODE_OPTIONS=--require <it> <user's>, or
 * --import for a .mjs, SPYGLASS_*).
 */
const OTHER_AGENT = process.env['SPYGLASS_TEST_AGENT_REGISTER'];

/** The argv and environment of `spyglass run [flags] -- <command...>` (or the bare command). */
export function launch(
  command: readonly string[],
  o: RunOptions,
): { argv: string[]; env: NodeJS.ProcessEnv } {
  const env: NodeJS.ProcessEnv = { ...process.env, ...o.env };
  if (o.withoutAgent) return { argv: [...command], env };
  if (OTHER_AGENT) {
    const existing = env['NODE_OPTIONS']?.trim();
    const flag = OTHER_AGENT.endsWith('.mjs') ? '--import' : '--require';
    env['NODE_OPTIONS'] = `${flag} ${OTHER_AGENT}${existing ? ` ${existing}` : ''}`;
    if (o.service) env['SPYGLASS_SERVICE_NAME'] = o.service;
    if (o.endpoint) env['SPYGLASS_ENDPOINT'] = o.endpoint;
    if (o.config) env['SPYGLASS_AGENT_CONFIG'] = o.config;
    return { argv: [...command], env };
  }
  const flags: string[] = [];
  if (o.service) flags.push('--service-name', o.service);
  if (o.endpoint) flags.push('--endpoint', o.endpoint);
  if (o.config) flags.push('--config', o.config);
  return { argv: [process.execPath, CLI, 'run', ...flags, '--', ...command], env };
}

/** Spawns a command under `spyglass run` (or bare), collecting its output. */
export function startApp(
  command: readonly string[],
  o: RunOptions = {},
): { child: ChildProcess; output: () => { stdout: string; stderr: string } } {
  const { argv, env } = launch(command, o);
  const child = spawn(argv[0]!, argv.slice(1), {
    env,
    cwd: o.cwd ?? ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return { child, output: () => ({ stdout, stderr }) };
}

/** Runs a command to completion under `spyglass run` (or bare); rejects on timeout with its output. */
export async function runApp(command: readonly string[], o: RunOptions = {}): Promise<RunResult> {
  const started = Date.now();
  const { child, output } = startApp(command, o);
  const timeoutMs = o.timeoutMs ?? 45_000;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.once('close', (c, s) => resolve([c, s])),
  );
  clearTimeout(timer);
  const result = { code, signal, ...output(), ms: Date.now() - started };
  if (timedOut)
    throw new Error(
      `${command.join(' ')} did not exit within ${timeoutMs} ms\nstdout: ${result.stdout}\nstderr: ${result.stderr}`,
    );
  return result;
}

/** Runs a fixture (node <fixture> [args]) under the agent and asserts it exited with 0. */
export async function runFixture(
  name: string,
  o: RunOptions & { args?: readonly string[] } = {},
): Promise<RunResult> {
  const result = await runApp([o.node ?? process.execPath, fixture(name), ...(o.args ?? [])], o);
  if (result.code !== 0)
    throw new Error(
      `fixture ${name} exited with ${result.code ?? result.signal}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`,
    );
  return result;
}

/** Env for fixtures that talk to backing services. */
export function serviceEnv(
  urls: Partial<Record<'pg' | 'mysql' | 'redis' | 'amqp' | 'kafka', string>>,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  if (urls.pg) env['SPYGLASS_PG_URL'] = urls.pg;
  if (urls.mysql) env['SPYGLASS_MYSQL_URL'] = urls.mysql;
  if (urls.redis) env['SPYGLASS_REDIS_URL'] = urls.redis;
  if (urls.amqp) env['SPYGLASS_AMQP_URL'] = urls.amqp;
  if (urls.kafka) env['SPYGLASS_KAFKA_BROKERS'] = urls.kafka;
  return env;
}

/** A span row as the tests read it. */
export interface SpanRow {
  TraceId: string;
  SpanId: string;
  ParentSpanId: string;
  SpanName: string;
  SpanKind: string;
  StatusCode: string;
  ScopeName: string;
  SpanAttributes: Record<string, string>;
  /** The span's links: trace and span ids (Links.TraceId / Links.SpanId). */
  LinkTraceIds: string[];
  LinkSpanIds: string[];
}

/** SQL string literal. */
export const lit = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

export const SPAN_COLUMNS =
  'TraceId, SpanId, ParentSpanId, SpanName, SpanKind, StatusCode, ScopeName, SpanAttributes, `Links.TraceId` AS LinkTraceIds, `Links.SpanId` AS LinkSpanIds';

/** Polls until the service has at least `min` spans (and `done` holds), returning them all. */
export function waitForSpans(
  backend: Backend,
  service: string,
  done: (rows: SpanRow[]) => boolean,
  timeoutMs?: number,
): Promise<SpanRow[]> {
  return backend.waitFor<SpanRow>(
    `SELECT ${SPAN_COLUMNS} FROM otel_traces WHERE ServiceName = ${lit(service)} ORDER BY Timestamp`,
    done,
    timeoutMs,
  );
}

/** What SpanRow leaves out: a span's status message and its events (e.g. `exception`). */
export interface SpanOutcome {
  SpanId: string;
  StatusMessage: string;
  EventNames: string[];
  EventAttributes: Array<Record<string, string>>;
}

/** The status messages and events of a service's spans, by span id (read once its spans arrived). */
export async function spanOutcomes(backend: Backend, service: string): Promise<Map<string, SpanOutcome>> {
  const rows = await backend.sql<SpanOutcome>(
    `SELECT SpanId, StatusMessage, \`Events.Name\` AS EventNames, \`Events.Attributes\` AS EventAttributes
     FROM otel_traces WHERE ServiceName = ${lit(service)}`,
  );
  return new Map(rows.map((r) => [r.SpanId, r]));
}

/** A compact description of spans for assertion messages. */
export function describeSpans(rows: readonly SpanRow[]): string {
  return rows
    .map(
      (r) =>
        `${r.SpanKind} ${r.SpanName} [${r.ScopeName}] trace=${r.TraceId.slice(0, 8)} id=${r.SpanId} parent=${r.ParentSpanId || '-'} ${JSON.stringify(r.SpanAttributes).slice(0, 400)}`,
    )
    .join('\n');
}

/** A long-running fixture that prints `READY <port>` once it listens. */
export interface ServerApp {
  readonly port: number;
  readonly url: string;
  readonly child: ChildProcess;
  /** Resolves with the result once the process has exited (after the test asked it to stop). */
  finished(timeoutMs?: number): Promise<RunResult>;
}

export async function startServerFixture(
  name: string,
  o: RunOptions & { args?: readonly string[] } = {},
): Promise<ServerApp> {
  const started = Date.now();
  const { child, output } = startApp([o.node ?? process.execPath, fixture(name), ...(o.args ?? [])], o);
  const closed = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.once('close', (c, s) => resolve([c, s])),
  );
  const deadline = Date.now() + (o.timeoutMs ?? 30_000);
  let port = 0;
  while (!port) {
    const m = /READY (\d+)/.exec(output().stdout);
    if (m) port = Number(m[1]);
    else if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      const { stdout, stderr } = output();
      throw new Error(`fixture ${name} did not get ready\nstdout: ${stdout}\nstderr: ${stderr}`);
    } else await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    child,
    async finished(timeoutMs = 15_000) {
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const [code, signal] = await closed;
      clearTimeout(timer);
      return { code, signal, ...output(), ms: Date.now() - started };
    },
  };
}
