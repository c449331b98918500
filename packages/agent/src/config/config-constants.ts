/**
 * Constants of the agent configuration, without the schema: the code that
 * runs while the application starts imports these, not zod (see load-initial-config.ts).
 */

/** Instrumentations the agent knows, with their default state. fs, dns and net are noisy: off by default. */
export const INSTRUMENTATION_DEFAULTS = {
  http: true,
  undici: true,
  express: true,
  fastify: true,
  koa: true,
  nestjs: true,
  grpc: true,
  pg: true,
  mysql2: true,
  redis: true,
  ioredis: true,
  mongodb: true,
  kafkajs: true,
  amqplib: true,
  pino: true,
  winston: true,
  bunyan: true,
  fs: false,
  dns: false,
  net: false,
} as const;
export type InstrumentationName = keyof typeof INSTRUMENTATION_DEFAULTS;
export const INSTRUMENTATION_NAMES = Object.keys(INSTRUMENTATION_DEFAULTS) as InstrumentationName[];

/** Headers whose values are always replaced by [REDACTED], whatever the capture mode. */
export const ALWAYS_REDACTED_HEADERS = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'x-auth-token',
  'x-access-token',
  'x-csrf-token',
  'x-xsrf-token',
  'x-amz-security-token',
];
