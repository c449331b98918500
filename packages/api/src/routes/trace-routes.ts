import type { FastifyInstance } from 'fastify';
import { buildTraceLogsQuery, buildTraceQuery, isTraceId } from '@spyglass/query';
import { ApiError } from '../api-error.ts';
import { withIsoTimes, type ApiContext } from '../context.ts';

/** At most this many spans of one trace (a 100k-span trace must come back whole). */
export const MAX_TRACE_SPANS = 200_000;

export function registerTraceRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Params: { traceId: string } }>('/api/v1/traces/:traceId', async (req) => {
    const traceId = req.params.traceId.toLowerCase();
    if (!isTraceId(traceId)) throw new ApiError('BAD_TRACE_ID', 'A trace id is 32 hexadecimal characters');
    const spansQuery = buildTraceQuery(traceId, MAX_TRACE_SPANS + 1);
    const spans = await ctx.driver.queryRows<Record<string, unknown>>(withIsoTimes(spansQuery.sql), {
      params: spansQuery.params,
    });
    if (spans.length === 0)
      throw new ApiError('NOT_FOUND', `No trace ${traceId} in the store (it may have expired)`);
    // The trace's logs, around the spans' own time range (spans are ordered by Timestamp).
    const logsQuery = buildTraceLogsQuery(
      traceId,
      String(spans[0]!['Timestamp']),
      String(spans.at(-1)!['Timestamp']),
      10_000,
    );
    const logs = await ctx.driver.queryRows<Record<string, unknown>>(withIsoTimes(logsQuery.sql), {
      params: logsQuery.params,
    });
    const truncated = spans.length > MAX_TRACE_SPANS;
    return {
      spans: truncated ? spans.slice(0, MAX_TRACE_SPANS) : spans,
      logs,
      ...(truncated
        ? {
            notice: `the trace has more than ${MAX_TRACE_SPANS} spans; the first ${MAX_TRACE_SPANS} are shown`,
          }
        : {}),
    };
  });
}
