import { watchFile } from 'node:fs';
import { basename } from 'node:path';
import { diag, DiagConsoleLogger, DiagLogLevel } from '@opentelemetry/api';
import { loadInitialConfig } from './config/load-initial-config.ts';
import { configInputFromEnv } from './config/config-from-env.ts';
import { keepPrimitivePrototypesFast } from './fast-prototypes.ts';
import { SHUTDOWN_GRACE_MS, startAgent, type Agent, type StartOptions } from './start-agent.ts';

/** Where the running agent is published, for the control plane, tests and double-load detection. */
export const AGENT_HANDLE = Symbol.for('spyglass.agent');
type WithHandle = { [AGENT_HANDLE]?: Agent | null };

/** Package managers and tools that run on node: never instrumented (they are not the application). */
const TOOL_SCRIPTS =
  /(^|[\\/])(npm-cli|npx-cli|npm|npx|yarn|yarnpkg|pnpm|pnpx|corepack|node-gyp|spyglass)(\.c?js|\.mjs)?$/;
const TOOL_DIRS = /[\\/]node_modules[\\/](npm|corepack|pnpm|yarn|@yarnpkg|node-gyp)[\\/]/;

function isToolProcess(argv: readonly string[] = process.argv): boolean {
  const script = argv[1];
  if (!script) return false;
  return (
    TOOL_SCRIPTS.test(basename(script)) ||
    TOOL_DIRS.test(script) ||
    /[\\/]packages[\\/]cli[\\/]bin[\\/]spyglass\.js$/.test(script)
  );
}

/**
 * Starts the agent from the environment, once per process. Never throws: a
 * bad configuration or an SDK failure leaves the application running
 * uninstrumented, with one line on stderr saying why.
 */
export function startFromEnvironment(
  env: NodeJS.ProcessEnv = process.env,
  options: StartOptions = {},
): Agent | undefined {
  const global = globalThis as WithHandle;
  if (global[AGENT_HANDLE] !== undefined) return global[AGENT_HANDLE] ?? undefined;
  global[AGENT_HANDLE] = null;
  if (isToolProcess()) return undefined;
  if (env['SPYGLASS_AGENT_DEBUG'] === '1') diag.setLogger(new DiagConsoleLogger(), DiagLogLevel.DEBUG);
  try {
    const config = loadInitialConfig(configInputFromEnv(env));
    if (!config.enabled) return undefined;
    // Before the application's modules load (see fast-prototypes.ts).
    keepPrimitivePrototypesFast();
    const agent = startAgent(config, env, options);
    global[AGENT_HANDLE] = agent;
    installShutdownHooks(agent);
    watchConfigFile(agent, env);
    return agent;
  } catch (err) {
    const file = env['SPYGLASS_AGENT_CONFIG'];
    const where = file && (err as Error).name === 'AgentConfigError' ? ` (config file ${file})` : '';
    process.stderr.write(`[spyglass agent] not started${where}: ${(err as Error).message}\n`);
    return undefined;
  }
}

/** How long the last export may take when the application exits on its own (on a signal: SHUTDOWN_GRACE_MS). */
const EXIT_GRACE_MS = 1500;

/**
 * Flush on the way out without changing how the application exits: on a
 * normal exit (beforeExit), and on SIGTERM/SIGINT, where the agent's listener
 * flushes (at most 2 s) and, if nothing else listens, re-sends the signal so
 * the default action still ends the process.
 */
function installShutdownHooks(agent: Agent): void {
  // The application is exiting: one last delivery attempt within 1.5 s (the transports stop
  // retrying), so an unreachable gateway never holds the exit; the exit code is the application's.
  process.once('beforeExit', () => {
    const timer = setTimeout(() => process.exit(), EXIT_GRACE_MS);
    timer.unref();
    void agent.shutdown(EXIT_GRACE_MS).finally(() => clearTimeout(timer));
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    const onSignal = () => {
      const others = process.listenerCount(signal);
      const flushed = Promise.race([
        agent.shutdown(SHUTDOWN_GRACE_MS),
        new Promise((r) => setTimeout(r, SHUTDOWN_GRACE_MS).unref()),
      ]);
      if (others === 0) {
        void flushed.then(() => process.kill(process.pid, signal));
      }
    };
    process.once(signal, onSignal);
  }
}

/**
 * SPYGLASS_AGENT_CONFIG is watched: a change is validated and applied live; an
 * invalid file is refused and logged, once. A file caught half-written (an
 * editor or a tool that truncates before writing) is read again shortly
 * before it counts as invalid.
 */
function watchConfigFile(agent: Agent, env: NodeJS.ProcessEnv): void {
  const file = env['SPYGLASS_AGENT_CONFIG'];
  if (!file) return;
  const interval = Number(env['SPYGLASS_AGENT_CONFIG_POLL_MS'] ?? 1000);
  let retry: NodeJS.Timeout | undefined;
  let refusedMessage: string | undefined;
  const apply = (lastAttempt: boolean) => {
    try {
      agent.applyConfig(configInputFromEnv(env));
      refusedMessage = undefined;
    } catch (err) {
      if (!lastAttempt) {
        retry = setTimeout(() => apply(true), Math.min(250, interval));
        retry.unref();
        return;
      }
      // Polling can see one write twice (truncated, then written, with the same error): a refusal
      // is logged once until a configuration is applied again.
      const message = (err as Error).message;
      if (message === refusedMessage) return;
      refusedMessage = message;
      process.stderr.write(
        `[spyglass agent] config change in ${file} refused, keeping the previous one: ${message}\n`,
      );
    }
  };
  watchFile(file, { interval, persistent: false }, (now, before) => {
    if (now.mtimeMs === before.mtimeMs && now.size === before.size) return;
    clearTimeout(retry);
    apply(false);
  });
}
