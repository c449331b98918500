import type { FastifyInstance } from 'fastify';
import { createReadOnlyQueryRunner } from '@spyglass/clickhouse-http';
import type { StoreDriver } from '@spyglass/store';
import { ApiError } from './api-error.ts';
import type { ApiContext } from './context.ts';
import { openApiDocument } from './openapi.ts';
import { registerFieldRoutes } from './routes/field-routes.ts';
import { registerSearchRoutes } from './routes/search-routes.ts';
import { registerServiceRoutes } from './routes/service-routes.ts';
import { registerSqlRoutes, toApiError } from './routes/sql-routes.ts';
import { registerTraceRoutes } from './routes/trace-routes.ts';
import { registerSavedSearchRoutes } from './routes/saved-search-routes.ts';

export interface ApiOptions {
  readonly driver: StoreDriver;
  /** Widest time range of one request (default 31 days). */
  readonly maxRangeMs?: number;
  readonly now?: () => number;
}

/**
 * Registers the query API on a Fastify instance. Errors are JSON
 * `{ error: { code, message, details? } }` with the catalogue's status.
 */
export async function registerApi(app: FastifyInstance, options: ApiOptions): Promise<void> {
  const ctx: ApiContext = {
    driver: options.driver,
    runUntrustedSql: await createReadOnlyQueryRunner(options.driver),
    maxRangeMs: options.maxRangeMs ?? 31 * 86_400_000,
    now: options.now ?? Date.now,
  };
  // Server-Timing: how long the API spent on each request, visible in the browser's devtools and
  // resource timings (the UI benchmark separates server time from page time with it).
  const started = new WeakMap<object, number>();
  app.addHook('onRequest', (req, _reply, done) => {
    started.set(req, performance.now());
    done();
  });
  app.addHook('onSend', (req, reply, payload, done) => {
    const t = started.get(req);
    if (t !== undefined) reply.header('server-timing', `api;dur=${(performance.now() - t).toFixed(1)}`);
    done(null, payload);
  });
  app.setErrorHandler((err, _req, reply) => {
    const apiError = toApiError(err);
    if (apiError) {
      return reply.code(apiError.status).send({
        error: {
          code: apiError.code,
          message: apiError.message,
          ...(apiError.details ? { details: apiError.details } : {}),
        },
      });
    }
    const fastifyError = err as { statusCode?: number; message?: string };
    if (fastifyError.statusCode && fastifyError.statusCode < 500) {
      return reply
        .code(fastifyError.statusCode)
        .send({ error: { code: 'BAD_REQUEST', message: fastifyError.message ?? 'Bad request' } });
    }
    app.log.error(err);
    return reply.code(500).send({ error: { code: 'INTERNAL', message: 'Internal error' } });
  });
  const openApi = openApiDocument();
  app.get('/api/openapi.json', (_req, reply) => reply.send(openApi));
  registerSearchRoutes(app, ctx);
  registerTraceRoutes(app, ctx);
  registerServiceRoutes(app, ctx);
  registerFieldRoutes(app, ctx);
  registerSqlRoutes(app, ctx);
  registerSavedSearchRoutes(app, ctx);
}

export { ApiError };
