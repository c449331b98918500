import type { FastifyInstance } from 'fastify';
import { SAVED_SEARCHES_TABLE } from '@spyglass/store';
import { ApiError } from '../api-error.ts';
import { parseInput, type ApiContext } from '../context.ts';
import { SavedSearchBody, SavedSearchName } from '../schemas.ts';

interface SavedSearchRow {
  name: string;
  signal: string;
  query: string;
  language: string;
  range_from: string;
  range_to: string;
  columns: string;
  updated_at: string;
}

/**
 * Saved searches, shared by everyone using this Spyglass: list, save (create or replace by
 * name) and delete. Values travel as query parameters only.
 */
export function registerSavedSearchRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/api/v1/saved-searches', async () => {
    const rows = await ctx.driver.queryRows<SavedSearchRow>(
      `SELECT name, signal, query, language, range_from, range_to, columns, toString(updated_at) AS updated_at
       FROM ${SAVED_SEARCHES_TABLE} FINAL WHERE deleted = 0 ORDER BY name`,
    );
    return {
      savedSearches: rows.map((r) => ({
        name: r.name,
        signal: r.signal,
        query: r.query,
        language: r.language,
        from: r.range_from,
        to: r.range_to,
        ...(r.columns ? { columns: r.columns } : {}),
        updatedAt: r.updated_at,
      })),
    };
  });

  app.put<{ Params: { name: string } }>('/api/v1/saved-searches/:name', async (req) => {
    const name = parseInput(SavedSearchName, req.params.name);
    const body = parseInput(SavedSearchBody, req.body);
    await write(ctx, { ...body, name, deleted: 0 });
    return { name, ...body };
  });

  app.delete<{ Params: { name: string } }>('/api/v1/saved-searches/:name', async (req, reply) => {
    const name = parseInput(SavedSearchName, req.params.name);
    const [exists] = await ctx.driver.queryRows<{ n: number | string }>(
      `SELECT count() AS n FROM ${SAVED_SEARCHES_TABLE} FINAL WHERE deleted = 0 AND name = {name:String}`,
      { params: { name } },
    );
    if (Number(exists?.n ?? 0) === 0) throw new ApiError('NOT_FOUND', `No saved search named "${name}"`);
    await write(ctx, {
      name,
      signal: 'traces',
      query: '',
      language: 'lucene',
      from: '',
      to: '',
      deleted: 1,
    });
    return reply.code(204).send();
  });
}

async function write(
  ctx: ApiContext,
  s: {
    name: string;
    signal: string;
    query: string;
    language: string;
    from: string;
    to: string;
    columns?: string | undefined;
    deleted: 0 | 1;
  },
): Promise<void> {
  await ctx.driver.command(
    `INSERT INTO ${SAVED_SEARCHES_TABLE} (name, signal, query, language, range_from, range_to, columns, updated_at, deleted)
     SELECT {name:String}, {signal:String}, {query:String}, {language:String}, {from:String}, {to:String},
            {columns:String}, now64(6), {deleted:UInt8}`,
    {
      params: {
        name: s.name,
        signal: s.signal,
        query: s.query,
        language: s.language,
        from: s.from,
        to: s.to,
        columns: s.columns ?? '',
        deleted: s.deleted,
      },
    },
  );
}
