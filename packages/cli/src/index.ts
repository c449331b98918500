export { startSpyglass, type RunningSpyglass } from './commands/up.ts';
export { loadConfig, ConfigError } from './config/load-config.ts';
export { UpConfigSchema, type UpConfig, type UpConfigInput } from './config/config-schema.ts';
export { main } from './main.ts';
export { runQuery, type QueryOptions } from './commands/query.ts';
export { runTrace } from './commands/trace.ts';
export { parseDuration } from './commands/api-client.ts';
