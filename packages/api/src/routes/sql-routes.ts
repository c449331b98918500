import type { FastifyInstance } from 'fastify';
import { ClickHouseHttpError } from '@spyglass/clickhouse-http';
import { StoreError } from '@spyglass/store';
import { ApiError } from '../api-error.ts';
import { parseInput, type ApiContext } from '../context.ts';
import { SqlRequest } from '../schemas.ts';

/**
 * The SQL console: read-only SQL under ClickHouse's readonly mode, time and size caps; rows with
 * their columns' names and types. And the schema (tables and columns) for its autocomplete.
 */
export function registerSqlRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.post('/api/v1/sql', async (req) => {
    const body = parseInput(SqlRequest, req.body);
    const started = performance.now();
    const text = await ctx.runUntrustedSql(body.sql, {}, undefined, 'JSONCompactEachRowWithNamesAndTypes');
    const elapsedMs = Math.round(performance.now() - started);
    const table = parseNamesAndTypes(text);
    // A statement with its own FORMAT clause gets its output back as text.
    return table ? { ...table, elapsedMs } : { rows: [], columns: [], text, elapsedMs };
  });

  app.get('/api/v1/schema', async () => {
    const rows = await ctx.driver.queryRows<{ table: string; name: string; type: string }>(
      'SELECT table, name, type FROM system.columns WHERE database = currentDatabase() ORDER BY table, position',
    );
    const tables = new Map<string, Array<{ name: string; type: string }>>();
    for (const r of rows) {
      let columns = tables.get(r.table);
      if (!columns) tables.set(r.table, (columns = []));
      columns.push({ name: r.name, type: r.type });
    }
    return { tables: [...tables].map(([name, columns]) => ({ name, columns })) };
  });
}

/** JSONCompactEachRowWithNamesAndTypes -> named rows and typed columns, or undefined for another format. */
function parseNamesAndTypes(
  text: string,
): { rows: Array<Record<string, unknown>>; columns: Array<{ name: string; type: string }> } | undefined {
  const lines = text.split('\n').filter((l) => l.length > 0);
  let names: unknown;
  let types: unknown;
  try {
    names = JSON.parse(lines[0] ?? '');
    types = JSON.parse(lines[1] ?? '');
  } catch {
    return undefined;
  }
  if (!Array.isArray(names) || !Array.isArray(types) || names.length !== types.length) return undefined;
  const columns = names.map((n, i) => ({ name: String(n), type: String(types[i]) }));
  const rows = lines.slice(2).map((line) => {
    const values = JSON.parse(line) as unknown[];
    const row: Record<string, unknown> = {};
    columns.forEach((c, i) => (row[c.name] = values[i]));
    return row;
  });
  return { rows, columns };
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
