import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/**
 * `spyglass up` as a real child process (the CLI binary), for tests and
 * benchmarks that kill, restart or measure it from outside.
 */
const CLI = join(import.meta.dirname, '../../packages/cli/bin/spyglass.js');

export interface SpyglassPorts {
  readonly http: number;
  readonly grpc: number;
  readonly otlp: number;
  readonly ch: number;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export async function freePorts(): Promise<SpyglassPorts> {
  return { http: await freePort(), grpc: await freePort(), otlp: await freePort(), ch: await freePort() };
}

/** Resolves when the process has exited (at once if it already has). */
export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => child.once('exit', () => r()));
}

/**
 * Starts `spyglass up` with `config` (YAML, written to <dataDir>/spyglass.yaml)
 * and the given ports, and resolves once /api/health answers 200.
 */
export async function startSpyglassProcess(o: {
  dataDir: string;
  ports: SpyglassPorts;
  config?: string;
  /** Flags for node itself, e.g. --cpu-prof. */
  nodeArgs?: readonly string[];
  timeoutMs?: number;
}): Promise<ChildProcess> {
  mkdirSync(o.dataDir, { recursive: true });
  const configFile = join(o.dataDir, 'spyglass.yaml');
  writeFileSync(configFile, o.config ?? '');
  const p = o.ports;
  const child = spawn(
    process.execPath,
    [
      ...(o.nodeArgs ?? []),
      CLI,
      'up',
      '--config',
      configFile,
      '--data-dir',
      o.dataDir,
      '--http-port',
      String(p.http),
      '--otlp-grpc-port',
      String(p.grpc),
      '--otlp-http-port',
      String(p.otlp),
      '--clickhouse-port',
      String(p.ch),
      '--log-level',
      'warn',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const deadline = Date.now() + (o.timeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`spyglass exited with ${child.exitCode}`);
    try {
      if ((await fetch(`http://127.0.0.1:${p.http}/api/health`)).status === 200) return child;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error('spyglass did not become healthy');
}

/**
 * startSpyglassProcess on ports chosen here, chosen again when the process
 * exits before it is healthy (up to `attempts` times): a port found free can
 * be taken before `spyglass up` binds it, by another process's listener or an
 * outgoing connection's ephemeral port (a CI run of the demo test once lost
 * one that way: EADDRINUSE). Every test and benchmark that starts a backend
 * of its own uses this; crash-recovery.test.ts restarts one on the same ports
 * on purpose.
 */
export async function startSpyglassOnFreePorts(
  o: Omit<Parameters<typeof startSpyglassProcess>[0], 'ports'> & { attempts?: number },
): Promise<{ child: ChildProcess; ports: SpyglassPorts }> {
  const attempts = o.attempts ?? 3;
  for (let attempt = 1; ; attempt++) {
    const ports = await freePorts();
    try {
      return { child: await startSpyglassProcess({ ...o, ports }), ports };
    } catch (err) {
      if (attempt >= attempts || !/exited with/.test((err as Error).message)) throw err;
      process.stderr.write(`# spyglass up did not start (${(err as Error).message}): new ports, again\n`);
    }
  }
}
