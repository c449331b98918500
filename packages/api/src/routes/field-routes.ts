import type { FastifyInstance } from 'fastify';
import { buildFieldValuesQuery, buildFieldsQuery } from '@spyglass/query';
import { parseInput, resolveRange, withIsoTimes, type ApiContext } from '../context.ts';
import { FieldsQuery } from '../schemas.ts';

/** Attribute keys and their top values, for autocomplete and facets. */
export function registerFieldRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/api/v1/fields', async (req) => {
    const q = parseInput(FieldsQuery, req.query);
    const { range } = resolveRange(ctx, q.from, q.to);
    const query = buildFieldsQuery(q.signal, range, q.limit);
    const rows = await ctx.driver.queryRows<{ map: string; key: string; n: number | string }>(
      withIsoTimes(query.sql),
      {
        params: query.params,
      },
    );
    return { fields: rows.map((r) => ({ name: r.key, map: r.map, count: Number(r.n) })) };
  });

  app.get<{ Params: { name: string } }>('/api/v1/fields/:name/values', async (req) => {
    const q = parseInput(FieldsQuery, req.query);
    const { range } = resolveRange(ctx, q.from, q.to);
    const query = buildFieldValuesQuery(q.signal, req.params.name, range, q.limit);
    const rows = await ctx.driver.queryRows<{ value: string; n: number | string }>(withIsoTimes(query.sql), {
      params: query.params,
    });
    return { field: req.params.name, values: rows.map((r) => ({ value: r.value, count: Number(r.n) })) };
  });
}
