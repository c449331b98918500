import { z } from 'zod';

const port = z.number().int().min(0).max(65535);
const days = z.number().int().positive();

/**
 * The configuration of `spyglass up`, from defaults, a YAML file and flags (in
 * that order of precedence, lowest first). One schema is both the validator and
 * the type; unknown keys are errors so that typos are caught.
 */
export const UpConfigSchema = z
  .object({
    dataDir: z.string().min(1).default('./.spyglass-data'),
    host: z.string().min(1).default('127.0.0.1'),
    httpPort: port.default(8080),
    otlpGrpcPort: port.default(4317),
    otlpHttpPort: port.default(4318),
    clickhousePort: port.default(8123),
    /** A ClickHouse server or cluster instead of the embedded engine. */
    clickhouseUrl: z.url({ protocol: /^https?$/ }).optional(),
    database: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a plain identifier')
      .default('default'),
    apiKeys: z.array(z.string().min(8, 'API keys must be at least 8 characters')).default([]),
    corsOrigins: z.array(z.string()).default(['*']),
    retention: z
      .object({ traces: days.default(30), logs: days.default(30), metrics: days.default(90) })
      .strict()
      .default({ traces: 30, logs: 30, metrics: 90 }),
    ingest: z
      .object({
        maxBodyBytes: z
          .number()
          .int()
          .positive()
          .default(16 * 1024 * 1024),
        batchMaxBytes: z
          .number()
          .int()
          .positive()
          .default(16 * 1024 * 1024),
        batchMaxRows: z.number().int().positive().default(100_000),
        flushIntervalMs: z.number().int().positive().default(200),
        commitIntervalMs: z.number().int().positive().max(1_000).default(10),
        maxQueuedBytes: z
          .number()
          .int()
          .positive()
          .default(256 * 1024 * 1024),
        insertConcurrency: z.number().int().min(1).max(16).default(2),
        maxInsertRows: z.number().int().positive().max(1_000_000).default(100_000),
        writeAheadLog: z.boolean().default(true),
      })
      .strict()
      .default({
        maxBodyBytes: 16 * 1024 * 1024,
        batchMaxBytes: 16 * 1024 * 1024,
        batchMaxRows: 100_000,
        flushIntervalMs: 200,
        commitIntervalMs: 10,
        maxQueuedBytes: 256 * 1024 * 1024,
        insertConcurrency: 2,
        maxInsertRows: 100_000,
        writeAheadLog: true,
      }),
    clickhouseHttp: z
      .object({ enabled: z.boolean().default(true), readOnly: z.boolean().default(true) })
      .strict()
      .default({ enabled: true, readOnly: true }),
    logLevel: z.enum(['error', 'warn', 'info']).default('info'),
  })
  .strict();

export type UpConfig = z.infer<typeof UpConfigSchema>;
export type UpConfigInput = z.input<typeof UpConfigSchema>;
