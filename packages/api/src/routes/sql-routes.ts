import type { FastifyInstance } from 'fastify';
import { ClickHouseHttpError } from '@spyglass/clickhouse-http';
import { StoreError, parseJsonEachRow } from '@spyglass/store';
import { ApiError } from '../api-error.ts';
import { parseInput, type ApiContext } from '../context.ts';
import { SqlRequest } from '../schemas.ts';

/** The SQL console: read-only SQL under ClickHouse's readonly mode, time and size caps. */
export function registerSqlRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.post('/api/v1/sql', async (req) => {
    const body = parseInput(SqlRequest, req.body);
    const started = performance.now();
    const rows = parseJsonEachRow<Record<string, unknown>>(await ctx.runUntrustedSql(body.sql));
    return { rows, elapsedMs: Math.round(performance.now() - started) };
  });
}

/** Maps failures of the engine or the read-only guard to API errors. */
export function toApiError(err: unknown): ApiError | undefined {
  if (err instanceof ApiError) return err;
  if (err instanceof ClickHouseHttpError) {
    const forbidden = err.code === 164 || err.code === 358 || err.httpStatus === 403;
    return new ApiError(
      forbidden ? 'FORBIDDEN_SQL' : 'QUERY_FAILED',
      forbidden ? `Only reads are allowed here: ${err.text}` : err.text,
      { clickhouseCode: err.code },
      { cause: err },
    );
  }
  if (err instanceof StoreError) {
    return new ApiError(
      err.retryable ? 'STORE_UNAVAILABLE' : 'STORE_FAILED',
      `The store failed: ${err.message}`,
      { clickhouseCode: err.clickhouseCode },
      { cause: err },
    );
  }
  return undefined;
}
