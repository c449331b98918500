import { parseInstant, type TimeRange } from '@spyglass/query';
import type { ReadOnlyQueryRunner } from '@spyglass/clickhouse-http';
import type { StoreDriver } from '@spyglass/store';
import type { z } from 'zod';
import { ApiError } from './api-error.ts';

/** What every route needs: the store, and the guarded runner for user-written SQL. */
export interface ApiContext {
  readonly driver: StoreDriver;
  readonly runUntrustedSql: ReadOnlyQueryRunner;
  /** Widest range a request may ask for; wider ones are narrowed with a notice. */
  readonly maxRangeMs: number;
  readonly now: () => number;
}

/** Validates input with a zod schema; every problem reported with its path. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (i) => `${i.path.length ? i.path.join('.') : '(body)'}: ${i.message}`,
  );
  throw new ApiError('BAD_REQUEST', `Invalid request: ${problems.join('; ')}`, { problems });
}

/** The request's time range (default: the last 15 minutes), bounded by maxRangeMs. */
export function resolveRange(
  ctx: ApiContext,
  from: string | number | undefined,
  to: string | number | undefined,
): { range: TimeRange; notice?: string } {
  let toMs: number;
  let fromMs: number;
  try {
    toMs = to === undefined ? ctx.now() : parseInstant(to, 'to');
    fromMs = from === undefined ? toMs - 15 * 60_000 : parseInstant(from, 'from');
  } catch (err) {
    throw new ApiError('BAD_RANGE', (err as Error).message);
  }
  if (fromMs >= toMs) throw new ApiError('BAD_RANGE', '`from` must be before `to`');
  if (toMs - fromMs > ctx.maxRangeMs) {
    return {
      range: { fromMs: toMs - ctx.maxRangeMs, toMs },
      notice: `the range was narrowed to the last ${Math.round(ctx.maxRangeMs / 86_400_000)} days before \`to\``,
    };
  }
  return { range: { fromMs, toMs } };
}

/**
 * Timestamps in API responses are ISO-8601 UTC ("2026-11-26T10:00:00.123456789Z"),
 * whatever the engine's time zone; appended to every query the API runs.
 */
export function withIsoTimes(sql: string): string {
  return `${sql} SETTINGS date_time_output_format = 'iso'`;
}
