/* eslint-disable @typescript-eslint/no-require-imports -- the schema (zod) is loaded only when needed */
import { createRequire } from 'node:module';
import type { AgentConfig, AgentConfigInput } from './agent-config.ts';

/** The schema module, loaded on demand: bundled (require) in the agent, through createRequire under tsx. */
export const loadSchemaModule = (): typeof import('./agent-config.ts') =>
  typeof require === 'function'
    ? (require('./agent-config.ts') as typeof import('./agent-config.ts'))
    : (createRequire(import.meta.url)('./agent-config.ts') as typeof import('./agent-config.ts'));

/** The defaults, computed from the schema when the agent is built (see build-agent.ts). */
declare const __SPYGLASS_DEFAULT_CONFIG__: AgentConfig | undefined;

/** Keys a zero-configuration start sets from the environment (see config-from-env.ts). */
const SIMPLE_KEYS = new Set(['serviceName', 'endpoint', 'headers', 'enabled']);

/**
 * The configuration the agent starts with. The usual zero-configuration
 * start (only the launcher's environment variables) takes the schema's
 * defaults precomputed at build time and checks the few values it sets by
 * hand, so the schema library is not loaded while the application starts
 * (it costs tens of milliseconds). A configuration file goes through the full
 * schema.
 */
export function loadInitialConfig(input: AgentConfigInput): AgentConfig {
  const defaults =
    typeof __SPYGLASS_DEFAULT_CONFIG__ === 'undefined' ? undefined : __SPYGLASS_DEFAULT_CONFIG__;
  const simple = Object.keys(input).every((k) => SIMPLE_KEYS.has(k));
  if (!defaults || !simple) {
    return loadSchemaModule().parseAgentConfig(input);
  }
  const config = structuredClone(defaults);
  if (input.serviceName !== undefined) {
    if (typeof input.serviceName !== 'string' || input.serviceName === '') return schemaParse(input);
    config.serviceName = input.serviceName;
  }
  if (input.endpoint !== undefined) {
    if (!isHttpUrl(input.endpoint)) return schemaParse(input);
    config.endpoint = input.endpoint;
  }
  if (input.headers !== undefined) config.headers = { ...input.headers };
  if (input.enabled !== undefined) config.enabled = input.enabled;
  return config;
}

/** The full schema, for its error messages. */
function schemaParse(input: AgentConfigInput): AgentConfig {
  return loadSchemaModule().parseAgentConfig(input);
}

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
