import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { portAnswers } from './backing-services.ts';
import { exited } from './spyglass-process.ts';

/**
 * The demo services of examples/demo/ as child processes of a test, each under the Spyglass
 * launcher (`spyglass run --service-name <name> --endpoint <otlp> -- node examples/demo/<file>`).
 * Each launcher is the leader of its own process group, so `stop()` can SIGKILL whatever is
 * left of it (the launcher and the application it started) after a graceful SIGTERM.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'packages/cli/bin/spyglass.js');

export interface DemoService {
  readonly name: string;
  readonly child: ChildProcess;
  /** Every line the service printed (stdout and stderr), in order. */
  readonly lines: string[];
  /** Resolves with the first line (already printed or to come) matching `re`; rejects on exit or timeout. */
  waitForLine(re: RegExp, timeoutMs: number): Promise<string>;
  /** Resolves once 127.0.0.1:`port` accepts connections; rejects on exit or timeout. */
  waitForPort(port: number, timeoutMs: number): Promise<void>;
  /** SIGTERM, then SIGKILL to the whole process group after `graceMs`; resolves when nothing is left. */
  stop(graceMs?: number): Promise<void>;
}

export function startDemoService(o: {
  name: string;
  file: string;
  otlpUrl: string;
  env: Record<string, string>;
}): DemoService {
  const child = spawn(
    process.execPath,
    [CLI, 'run', '--service-name', o.name, '--endpoint', o.otlpUrl, '--', 'node', `examples/demo/${o.file}`],
    { cwd: ROOT, env: { ...process.env, ...o.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  const lines: string[] = [];
  const listeners = new Set<(line: string) => void>();
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      lines.push(line);
      for (const l of listeners) l(line);
    });
  }
  const gone = (): boolean => child.exitCode !== null || child.signalCode !== null;
  const exitText = (): string =>
    `${o.name} exited (${child.signalCode ?? `code ${child.exitCode}`}); last output:\n${lines.slice(-30).join('\n')}`;

  const killGroup = (signal: NodeJS.Signals): void => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {
      // no such process group any more
    }
  };

  return {
    name: o.name,
    child,
    lines,
    waitForLine(re, timeoutMs) {
      const seen = lines.find((l) => re.test(l));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const done = (): void => {
          listeners.delete(onLine);
          clearTimeout(timer);
          child.off('exit', onExit);
        };
        const onLine = (line: string): void => {
          if (!re.test(line)) return;
          done();
          resolve(line);
        };
        const onExit = (): void => {
          done();
          reject(new Error(`${exitText()}\n(while waiting for a line matching ${re})`));
        };
        const timer = setTimeout(() => {
          done();
          reject(
            new Error(
              `${o.name}: no line matching ${re} after ${timeoutMs} ms; last output:\n${lines.slice(-30).join('\n')}`,
            ),
          );
        }, timeoutMs);
        listeners.add(onLine);
        child.once('exit', onExit);
        if (gone()) onExit();
      });
    },
    async waitForPort(port, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (!(await portAnswers('127.0.0.1', port, 500))) {
        if (gone()) throw new Error(`${exitText()}\n(while waiting for port ${port})`);
        if (Date.now() > deadline)
          throw new Error(
            `${o.name}: port ${port} not listening after ${timeoutMs} ms; last output:\n${lines.slice(-30).join('\n')}`,
          );
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    async stop(graceMs = 10_000) {
      if (!gone()) {
        // The launcher forwards SIGTERM to the application and exits with it.
        child.kill('SIGTERM');
        let timer: NodeJS.Timeout | undefined;
        const timedOut = await Promise.race([
          exited(child).then(() => false),
          new Promise<boolean>((r) => (timer = setTimeout(() => r(true), graceMs))),
        ]);
        clearTimeout(timer);
        if (timedOut) {
          process.stderr.write(`# ${o.name} did not stop within ${graceMs} ms of SIGTERM: SIGKILL\n`);
          killGroup('SIGKILL');
          await exited(child);
        }
      }
      // Anything left in the group (the application, if the launcher died first).
      killGroup('SIGKILL');
    },
  };
}
