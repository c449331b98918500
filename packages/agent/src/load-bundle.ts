import { readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

type AgentMain = typeof import('./agent-main.ts');

export interface LoadedAgent {
  readonly main: AgentMain;
  /**
   * Writes the code cache if it is missing or stale, once (later calls do
   * nothing): the agent calls it when the application has started (see
   * StartOptions.onStartupDone), and it runs at exit if that comes first.
   */
  readonly saveCodeCache: () => void;
}

/**
 * Loads dist/agent.cjs (the agent and its dependencies, one file) with a V8
 * code cache beside it: compiling 1 MB of JavaScript is a large part of the
 * agent's startup cost, and the cache removes it after the first run.
 *
 * The cache holds the functions that ran while the application that wrote
 * it started (the agent's start, the require hooks and the instrumentations
 * its modules needed), and not those that run later (the pipeline,
 * requests), which V8 would otherwise deserialize at every start (measured:
 * 942 KB written 2 s after start, 592 KB at the end of startup, which starts
 * with ~6 M fewer instructions). So each application keeps its own
 * (`agent.cjs.<node version>.<hash of its main script>.v8cache`): a cache
 * written by a small script left out what express, pg and ioredis need, and
 * made bench/agent's app start ~30 ms slower than with its own
 * (bench/agent/RESULTS.md, nineteenth session). An application without one
 * yet starts from the shared cache (`agent.cjs.<node version>.v8cache`, the
 * first application's) and writes its own when it has started. Caches are
 * written atomically, once per application (again when V8 rejects one: a
 * rebuilt bundle), at most MAX_CACHES of them; a read-only install just runs
 * without.
 */
export function loadAgentBundle(distDir: string): LoadedAgent {
  const filename = join(distDir, 'agent.cjs');
  const sharedFile = join(distDir, `agent.cjs.${process.version}.v8cache`);
  const ownFile = join(distDir, `agent.cjs.${process.version}.${applicationKey(process.argv)}.v8cache`);
  // The bundle is ASCII (esbuild escapes other characters by default, charset 'ascii'): read as
  // latin1, the same text, decoded ~5x faster than as UTF-8 (4-12 ms -> 0.8 ms for 1.7 MB).
  const source = readFileSync(filename, 'latin1');
  const own = readCache(ownFile);
  const cachedData = own ?? readCache(sharedFile);
  const wrapper = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  const script = new Script(wrapper, {
    filename,
    ...(cachedData ? { cachedData } : {}),
  });
  const module = { exports: {} as AgentMain };
  const fn = script.runInThisContext() as (...args: unknown[]) => void;
  fn.call(module.exports, module.exports, createRequire(filename), module, filename, dirname(filename));
  const accepted = cachedData !== undefined && !script.cachedDataRejected;
  let written = own !== undefined && accepted;
  const saveCodeCache = () => {
    if (written) return;
    written = true;
    try {
      const data = script.createCachedData();
      if (countCaches(distDir) < MAX_CACHES) writeAtomically(ownFile, data);
      // The shared one, for applications that have none yet: when there was none, or it was stale.
      if (!accepted) writeAtomically(sharedFile, data);
    } catch {
      // no cache this time
    }
  };
  if (!written) process.once('exit', saveCodeCache);
  return { main: module.exports, saveCodeCache };
}

/** The most code caches kept beside the bundle (one per application, plus the shared one). */
export const MAX_CACHES = 32;

function readCache(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

function writeAtomically(file: string, data: Buffer): void {
  const tmp = `${file}.${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

function countCaches(dir: string): number {
  let count = 0;
  for (const name of readdirSync(dir)) if (name.endsWith('.v8cache')) count++;
  return count;
}

/**
 * Which application this is, for its code cache's name: a hash (FNV-1a, 32
 * bits, hex) of its main script's path (`node app.js`, an npm script's node
 * process), or `eval` when there is none (`node -e`, the REPL).
 */
function applicationKey(argv: readonly string[]): string {
  const main = argv[1];
  if (!main) return 'eval';
  let hash = 0x811c9dc5;
  for (let i = 0; i < main.length; i++) hash = Math.imul(hash ^ main.charCodeAt(i), 0x01000193);
  return (hash >>> 0).toString(16).padStart(8, '0');
}
