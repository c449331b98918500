import type { FastifyInstance } from 'fastify';
import { buildRedQuery, buildServiceMapQuery, buildSpanCountQuery } from '@spyglass/query';

/** About this many spans are joined for a service map; larger ranges are sampled by trace. */
const MAP_SAMPLE_SPANS = 2_000_000;
import { parseInput, resolveRange, withIsoTimes, type ApiContext } from '../context.ts';
import { RangeQuery } from '../schemas.ts';

interface RedRow {
  name: string;
  t?: string;
  requests: number | string;
  rate: number;
  errorRate: number;
  durationMs: number[];
}

/** RED per service and per operation, as totals over the range and as series. */
export function registerServiceRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const red = async (by: 'service' | 'operation', from: unknown, to: unknown, service?: string) => {
    const { range, notice } = resolveRange(ctx, from as string | undefined, to as string | undefined);
    const totalsQuery = buildRedQuery(range, by, service, false);
    const seriesQuery = buildRedQuery(range, by, service, true);
    const totals = await ctx.driver.queryRows<RedRow>(withIsoTimes(totalsQuery.sql), {
      params: totalsQuery.params,
    });
    const series = await ctx.driver.queryRows<RedRow>(withIsoTimes(seriesQuery.sql), {
      params: seriesQuery.params,
    });
    const shape = (r: RedRow) => ({
      requests: Number(r.requests),
      rate: r.rate,
      errorRate: r.errorRate,
      p50Ms: r.durationMs[0] ?? 0,
      p95Ms: r.durationMs[1] ?? 0,
      p99Ms: r.durationMs[2] ?? 0,
    });
    return {
      items: totals.map((t) => ({
        name: t.name,
        ...shape(t),
        series: series.filter((s) => s.name === t.name).map((s) => ({ t: s.t, ...shape(s) })),
      })),
      ...(notice ? { notice } : {}),
    };
  };

  app.get('/api/v1/services', async (req) => {
    const q = parseInput(RangeQuery, req.query);
    const result = await red('service', q.from, q.to);
    return { services: result.items, ...(result.notice ? { notice: result.notice } : {}) };
  });

  app.get<{ Params: { name: string } }>('/api/v1/services/:name/operations', async (req) => {
    const q = parseInput(RangeQuery, req.query);
    const result = await red('operation', q.from, q.to, req.params.name);
    return {
      service: req.params.name,
      operations: result.items,
      ...(result.notice ? { notice: result.notice } : {}),
    };
  });

  app.get('/api/v1/service-map', async (req) => {
    const q = parseInput(RangeQuery, req.query);
    const { range, notice } = resolveRange(ctx, q.from, q.to);
    // Large ranges are computed on a trace-consistent sample of about MAP_SAMPLE_SPANS spans, counts scaled back.
    const countQuery = buildSpanCountQuery(range);
    const [counted] = await ctx.driver.queryRows<{ n: number | string }>(countQuery.sql, {
      params: countQuery.params,
    });
    const sampleEvery = Math.max(1, Math.ceil(Number(counted?.n ?? 0) / MAP_SAMPLE_SPANS));
    const query = buildServiceMapQuery(range, sampleEvery);
    const rows = await ctx.driver.queryRows<{
      source: string;
      sourceKind: string;
      target: string;
      targetKind: string;
      calls: number | string;
      errors: number | string;
      durationMs: number[];
    }>(withIsoTimes(query.sql), { params: query.params });
    // Each edge says what kind its ends are; a database or broker kind wins over 'service'.
    const nodes = new Map<string, string>();
    const addNode = (id: string, kind: string) => {
      if (kind !== 'service' || !nodes.has(id)) nodes.set(id, kind);
    };
    const edges = rows.map((r) => {
      addNode(r.source, r.sourceKind);
      addNode(r.target, r.targetKind);
      return {
        source: r.source,
        target: r.target,
        calls: Number(r.calls),
        errors: Number(r.errors),
        p50Ms: r.durationMs[0] ?? 0,
        p95Ms: r.durationMs[1] ?? 0,
        p99Ms: r.durationMs[2] ?? 0,
      };
    });
    return {
      nodes: [...nodes].map(([id, kind]) => ({ id, kind })),
      edges,
      sampledOneIn: sampleEvery,
      ...(notice ? { notice } : {}),
    };
  });
}
