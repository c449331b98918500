import { z } from 'zod';

/**
 * The agent's whole configuration: one validated object. It is replaced as a
 * whole while the application runs (from a watched file today, from the
 * control plane over OpAMP later); every hook reads the current value at call
 * time, so a replacement takes effect on the next span without a restart.
 */

import {
  ALWAYS_REDACTED_HEADERS,
  INSTRUMENTATION_DEFAULTS,
  INSTRUMENTATION_NAMES,
  type InstrumentationName,
} from './config-constants.ts';

export { ALWAYS_REDACTED_HEADERS, INSTRUMENTATION_DEFAULTS, INSTRUMENTATION_NAMES, type InstrumentationName };

const instrumentationsSchema = z
  .object(
    Object.fromEntries(
      INSTRUMENTATION_NAMES.map((n) => [n, z.boolean().default(INSTRUMENTATION_DEFAULTS[n])]),
    ) as {
      [K in InstrumentationName]: z.ZodDefault<z.ZodBoolean>;
    },
  )
  .strict();

const captureSchema = z
  .object({
    headers: z
      .object({
        /** all: every header (secrets redacted); allowlist: only `allowlist`; off: none. */
        mode: z.enum(['all', 'allowlist', 'off']).default('all'),
        allowlist: z
          .array(z.string().min(1))
          .default(['content-type', 'content-length', 'user-agent', 'accept', 'x-request-id', 'traceparent']),
        /** Extra header names to redact, on top of ALWAYS_REDACTED_HEADERS and names that look secret. */
        redact: z.array(z.string().min(1)).default([]),
      })
      .strict()
      .prefault({}),
    payloads: z
      .object({
        enabled: z.boolean().default(true),
        maxBytes: z.number().int().min(0).max(1_048_576).default(4096),
        /** Content types captured (prefix match without case; `text/` matches every text type). */
        contentTypes: z
          .array(z.string().min(1).toLowerCase())
          .default([
            'application/json',
            'application/x-www-form-urlencoded',
            'application/xml',
            'application/graphql',
            'text/',
          ]),
      })
      .strict()
      .prefault({}),
    messagingPayloads: z
      .object({
        enabled: z.boolean().default(true),
        maxBytes: z.number().int().min(0).max(1_048_576).default(4096),
      })
      .strict()
      .prefault({}),
    /** sanitized: literals replaced by `?`; full: the statement as run, with its parameters; off: dropped. */
    dbStatements: z.enum(['sanitized', 'full', 'off']).default('sanitized'),
    /**
     * A span per express middleware and route handler (instrumentation-express). Off by default:
     * they cost about as much as the request's server span and mostly repeat it (the server span
     * carries http.route either way); turn on to see time spent per middleware.
     */
    expressLayerSpans: z.boolean().default(false),
    /** code.function.name / code.file.path / code.line.number of the application code that started a span. */
    codeAttributes: z.boolean().default(true),
    stackTraces: z
      .object({
        onError: z.boolean().default(true),
        /** Also on spans slower than this (ms); 0 = off. */
        slowSpanMs: z.number().min(0).default(0),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export const agentConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    serviceName: z.string().min(1).optional(),
    /** OTLP/HTTP base URL of the gateway; /v1/traces, /v1/logs, /v1/metrics are appended. */
    endpoint: z.string().url().default('http://127.0.0.1:4318'),
    /** Extra export headers (an API key: { authorization: 'Bearer ...' }). */
    headers: z.record(z.string(), z.string()).default({}),
    signals: z
      .object({
        traces: z.boolean().default(true),
        logs: z.boolean().default(true),
        metrics: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    /** Head sampling: the share of new traces kept (children follow their parent's decision). */
    sampling: z
      .object({ ratio: z.number().min(0).max(1).default(1) })
      .strict()
      .prefault({}),
    instrumentations: instrumentationsSchema.prefault({}),
    capture: captureSchema.prefault({}),
    logs: z
      .object({ console: z.boolean().default(true) })
      .strict()
      .prefault({}),
    metrics: z
      .object({ runtime: z.boolean().default(true), intervalMs: z.number().int().min(1000).default(15_000) })
      .strict()
      .prefault({}),
    /** Bounds of the in-memory buffer: when the gateway is down, spans beyond it are dropped and counted. */
    export: z
      .object({
        maxQueueSize: z.number().int().min(64).default(4096),
        maxBatchSize: z.number().int().min(1).default(512),
        scheduledDelayMs: z.number().int().min(50).default(1000),
        timeoutMs: z.number().int().min(100).default(10_000),
      })
      .strict()
      .prefault({}),
    /** Per-service overrides of `capture`, keyed by service.name (for a config shared by many services). */
    services: z
      .record(z.string(), z.object({ capture: z.record(z.string(), z.unknown()).optional() }).strict())
      .default({}),
  })
  .strict();

export type AgentConfig = z.infer<typeof agentConfigSchema>;
export type AgentConfigInput = z.input<typeof agentConfigSchema>;
export type CaptureConfig = AgentConfig['capture'];

export class AgentConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid agent configuration: ${issues.join('; ')}`);
    this.name = 'AgentConfigError';
  }
}

/** Validates `input`; every problem is reported with its key path. */
export function parseAgentConfig(input: unknown): AgentConfig {
  const result = agentConfigSchema.safeParse(input ?? {});
  if (!result.success) throw new AgentConfigError(result.error.issues.map(describeIssue));
  const config = result.data;
  const issues: string[] = [];
  for (const [service, { capture }] of Object.entries(config.services)) {
    if (!capture) continue;
    const merged = captureSchema.safeParse(deepMerge(config.capture, capture));
    if (merged.success) effectiveCapture.set(capture, merged.data);
    else
      issues.push(
        ...merged.error.issues.map((i) =>
          describeIssue({ ...i, path: ['services', service, 'capture', ...i.path] }),
        ),
      );
  }
  if (issues.length > 0) throw new AgentConfigError(issues);
  return config;
}

/** The capture rules for one service: the global rules with that service's overrides on top. */
export function captureFor(config: AgentConfig, serviceName: string): CaptureConfig {
  const override = config.services[serviceName]?.capture;
  return (override && effectiveCapture.get(override)) ?? config.capture;
}

const effectiveCapture = new WeakMap<object, CaptureConfig>();

function describeIssue(issue: { path: PropertyKey[]; message: string }): string {
  return `${issue.path.length ? issue.path.map(String).join('.') : '(root)'}: ${issue.message}`;
}

function deepMerge(base: unknown, override: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(override)) return override;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(override)) out[k] = deepMerge(base[k], v);
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
