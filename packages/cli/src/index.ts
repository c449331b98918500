export { startSpyglass, type RunningSpyglass } from './commands/up.ts';
export { loadConfig, ConfigError } from './config/load-config.ts';
export { UpConfigSchema, type UpConfig, type UpConfigInput } from './config/config-schema.ts';
export { main } from './main.ts';
