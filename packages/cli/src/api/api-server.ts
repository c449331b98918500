import Fastify, { type FastifyInstance } from 'fastify';

export interface ApiServerOptions {
  readonly host: string;
  readonly port: number;
  /** Reports what is running; `ready` turns /api/health from 503 to 200. */
  readonly health: () => { ready: boolean; details: Record<string, unknown> };
}

/**
 * The HTTP API and UI server (default port 8080). For now it serves health;
 * the query API and UI register here as plugins.
 */
export async function startApiServer(o: ApiServerOptions): Promise<{ app: FastifyInstance; port: number }> {
  const app = Fastify({ logger: false });
  app.get('/api/health', async (_req, reply) => {
    const { ready, details } = o.health();
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ok' : 'starting', ...details });
  });
  await app.listen({ host: o.host, port: o.port });
  const address = app.server.address();
  return { app, port: typeof address === 'object' && address ? address.port : o.port };
}
