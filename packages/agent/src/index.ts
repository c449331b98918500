export {
  agentConfigSchema,
  parseAgentConfig,
  AgentConfigError,
  INSTRUMENTATION_NAMES,
} from './config/agent-config.ts';
export type { AgentConfig, AgentConfigInput } from './config/agent-config.ts';
export { ensureAgentBuilt, AGENT_DIST, REGISTER_MJS, REGISTER_CJS } from './build/build-agent.ts';
export { sanitizeSql } from './capture/sql-sanitizer.ts';
