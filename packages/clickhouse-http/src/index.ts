export {
  createClickHouseHttpServer,
  DEFAULT_MAX_BODY_BYTES,
  type ClickHouseHttpServer,
  type ClickHouseHttpServerOptions,
} from './server.ts';
export {
  ClickHouseHttpError,
  ErrorCode,
  httpStatusForCode,
  formatErrorBody,
  toClickHouseHttpError,
} from './errors.ts';
export { isReadOnlySafeSetting } from './settings-policy.ts';
export { DEFAULT_QUERY_LIMITS, type QueryLimits } from './query-limits.ts';
export { createReadOnlyQueryRunner, type ReadOnlyQueryRunner } from './read-only-runner.ts';
