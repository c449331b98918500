import { parseJsonEachRow } from '@spyglass/store';
import type { FastifyInstance } from 'fastify';
import {
  SearchSyntaxError,
  buildFilter,
  buildHistogramQuery,
  buildSearchQuery,
  decodeCursor,
  encodeCursor,
  type BuiltQuery,
  type Cursor,
  type FilterInput,
  type TimeRange,
} from '@spyglass/query';
import { ApiError } from '../api-error.ts';
import { parseInput, resolveRange, withIsoTimes, type ApiContext } from '../context.ts';
import { HistogramRequest, SearchRequest } from '../schemas.ts';

export function registerSearchRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.post('/api/v1/search', async (req) => {
    const body = parseInput(SearchRequest, req.body);
    const { range, notice } = resolveRange(ctx, body.from, body.to);
    const filter = filterOf({ signal: body.signal, query: body.query, language: body.language, range });
    let cursor: Cursor | undefined;
    if (body.cursor) {
      try {
        cursor = decodeCursor(body.cursor);
      } catch (err) {
        throw new ApiError('BAD_REQUEST', (err as Error).message);
      }
    }
    const rows = await searchNewestFirst(ctx, body, range, cursor);
    const more = rows.length > body.limit;
    const page = rows.slice(0, body.limit);
    const last = page.at(-1);
    const nextCursor =
      more && last ? encodeCursor({ ts: String(last['Timestamp']), tie: String(last['__tie']) }) : null;
    for (const r of page) delete r['__tie'];
    return { rows: page, nextCursor, explanation: filter.explanation, ...(notice ? { notice } : {}) };
  });

  app.post('/api/v1/histogram', async (req) => {
    const body = parseInput(HistogramRequest, req.body);
    const { range, notice } = resolveRange(ctx, body.from, body.to);
    const filter = filterOf({ signal: body.signal, query: body.query, language: body.language, range });
    const query = buildHistogramQuery(filter, body.signal, range, body.splitBy, body.topN);
    const rows = await run<{ t: string; series?: string; count: number | string }>(
      ctx,
      query,
      body.language === 'sql',
    );
    return {
      bucketSeconds: query.bucketSeconds,
      buckets: rows.map((r) => ({
        t: r.t,
        ...(r.series !== undefined ? { series: r.series } : {}),
        count: Number(r.count),
      })),
      explanation: filter.explanation,
      ...(notice ? { notice } : {}),
    };
  });
}

/**
 * Newest rows first, in at most two windows: the last 1/64 of the range, then
 * (if the page is not full) all the rest. A dense search over hours then reads
 * only its last minutes, and a sparse one costs one extra small query (growing
 * windows step by step cost sparse searches up to 3x, measured). The windows
 * are disjoint and ordered, so their rows concatenate in order; the cursor
 * still pages exactly.
 */
async function searchNewestFirst(
  ctx: ApiContext,
  body: { signal: 'traces' | 'logs'; query: string; language: 'lucene' | 'sql'; limit: number },
  range: TimeRange,
  cursor: Cursor | undefined,
): Promise<Array<Record<string, unknown>>> {
  const rows: Array<Record<string, unknown>> = [];
  // A cursor's time is at nanosecond precision; start the windows just after it.
  let windowEnd = cursor ? Math.min(range.toMs, Date.parse(cursor.ts) + 1) : range.toMs;
  let span = Math.max(60_000, (range.toMs - range.fromMs) / 64);
  while (rows.length <= body.limit && windowEnd > range.fromMs) {
    const windowStart = Math.max(range.fromMs, windowEnd - span);
    const filter = filterOf({
      signal: body.signal,
      query: body.query,
      language: body.language,
      range: { fromMs: windowStart, toMs: windowEnd },
    });
    const query = buildSearchQuery(filter, body.signal, body.limit - rows.length, cursor);
    rows.push(...(await run<Record<string, unknown>>(ctx, query, body.language === 'sql')));
    windowEnd = windowStart;
    span = Number.POSITIVE_INFINITY;
  }
  return rows;
}

function filterOf(input: FilterInput) {
  try {
    return buildFilter(input);
  } catch (err) {
    if (err instanceof SearchSyntaxError) {
      throw new ApiError('SEARCH_SYNTAX', `Search syntax error: ${err.message}`, {
        position: err.position,
        line: err.line,
        column: err.column,
        expected: err.expected,
      });
    }
    throw err;
  }
}

/** Our own SQL runs directly; SQL that contains user-written conditions runs through the read-only guard. */
export async function run<T>(ctx: ApiContext, query: BuiltQuery, untrusted: boolean): Promise<T[]> {
  const sql = withIsoTimes(query.sql);
  if (untrusted) return parseJsonEachRow<T>(await ctx.runUntrustedSql(sql, query.params));
  return ctx.driver.queryRows<T>(sql, { params: query.params });
}
