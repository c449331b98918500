import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureAgentBuilt, REGISTER_CJS } from '@spyglass/agent';

export const RUN_USAGE = `Usage: spyglass run [flags] -- <command> [args...]

Runs <command> with every Node.js process it starts (node, npm scripts, child
processes) instrumented by the Spyglass agent. No change to the application.

Flags for run:
  --service-name <name>    service.name (default: OTEL_SERVICE_NAME, else package.json name)
  --endpoint <url>         OTLP/HTTP endpoint of Spyglass (default $SPYGLASS_ENDPOINT or http://127.0.0.1:4318)
  --api-key <key>          API key for the endpoint
  --config <file>          Agent configuration (JSON; watched, changes apply live; see docs/agent.md)
`;

export interface RunOptions {
  readonly serviceName?: string | undefined;
  readonly endpoint?: string | undefined;
  readonly apiKey?: string | undefined;
  readonly config?: string | undefined;
}

/**
 * The environment that preloads the agent into every Node.js process a
 * command starts: NODE_OPTIONS gains `--require <register.cjs>`, which also
 * registers the ES-module hook when a process's main script is an ES module
 * (see packages/agent/src/register-cjs.ts). The user's own NODE_OPTIONS are
 * kept, after ours.
 */
export function agentEnvironment(base: NodeJS.ProcessEnv, options: RunOptions): NodeJS.ProcessEnv {
  const flag = `--require ${quote(REGISTER_CJS)}`;
  const existing = base['NODE_OPTIONS']?.trim();
  const env: NodeJS.ProcessEnv = {
    ...base,
    NODE_OPTIONS: existing ? `${flag} ${existing}` : flag,
  };
  if (options.serviceName) env['SPYGLASS_SERVICE_NAME'] = options.serviceName;
  if (options.endpoint) env['SPYGLASS_ENDPOINT'] = options.endpoint;
  if (options.apiKey) env['SPYGLASS_API_KEY'] = options.apiKey;
  if (options.config) env['SPYGLASS_AGENT_CONFIG'] = resolve(options.config);
  return env;
}

function quote(path: string): string {
  return /[\s"\\]/.test(path) ? `"${path.replace(/(["\\])/g, '\\$1')}"` : path;
}

/** `spyglass run`: resolves to the command's exit code (128 + n when it died of signal n). */
export async function runInstrumented(args: string[]): Promise<number> {
  const dash = args.indexOf('--');
  const own = dash === -1 ? [] : args.slice(0, dash);
  const command = dash === -1 ? args : args.slice(dash + 1);
  let values;
  try {
    ({ values } = parseArgs({
      args: own,
      strict: true,
      options: {
        'service-name': { type: 'string' },
        endpoint: { type: 'string' },
        'api-key': { type: 'string' },
        config: { type: 'string' },
      },
    }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${RUN_USAGE}`);
    return 2;
  }
  if (command.length === 0) {
    process.stderr.write(`spyglass run needs a command after --\n\n${RUN_USAGE}`);
    return 2;
  }
  if (values.endpoint !== undefined && !/^https?:\/\/[^/]+/.test(values.endpoint)) {
    process.stderr.write(`--endpoint must be an http(s) URL, got "${values.endpoint}"\n`);
    return 2;
  }
  if (values.config !== undefined && !existsSync(values.config)) {
    process.stderr.write(`--config: no such file ${values.config}\n`);
    return 2;
  }
  try {
    await ensureAgentBuilt();
  } catch (err) {
    process.stderr.write(`The Spyglass agent could not be built: ${(err as Error).message}\n`);
    return 1;
  }
  const env = agentEnvironment(process.env, {
    serviceName: values['service-name'],
    endpoint: values.endpoint,
    apiKey: values['api-key'],
    config: values.config,
  });
  const child = spawn(command[0]!, command.slice(1), { stdio: 'inherit', env });
  // Signals reach the child (and it decides how to stop); spyglass run exits with it.
  const forward = (signal: NodeJS.Signals) => () => {
    if (child.exitCode === null) child.kill(signal);
  };
  const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((s) => [s, forward(s)] as const);
  for (const [s, h] of handlers) process.on(s, h);
  return new Promise((resolvePromise) => {
    child.once('error', (err) => {
      for (const [s, h] of handlers) process.off(s, h);
      process.stderr.write(`spyglass run: cannot start "${command[0]}": ${err.message}\n`);
      resolvePromise(127);
    });
    child.once('exit', (code, signal) => {
      for (const [s, h] of handlers) process.off(s, h);
      resolvePromise(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0));
    });
  });
}
