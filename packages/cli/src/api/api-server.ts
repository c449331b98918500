import Fastify, { type FastifyInstance } from 'fastify';
import { registerApi } from '@spyglass/api';
import { registerUi } from '@spyglass/ui';
import type { StoreDriver } from '@spyglass/store';

export interface ApiServerOptions {
  readonly host: string;
  readonly port: number;
  /** Reports what is running; `ready` turns /api/health from 503 to 200. */
  readonly health: () => { ready: boolean; details: Record<string, unknown> };
  readonly driver: StoreDriver;
  /** The built UI's folder, once it exists (undefined while it is being built). */
  readonly uiDir: () => string | undefined;
}

/**
 * The HTTP API and UI server (default port 8080): health, and the query API
 * (packages/api) and the web UI (packages/ui).
 */
export async function startApiServer(o: ApiServerOptions): Promise<{ app: FastifyInstance; port: number }> {
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  await registerApi(app, { driver: o.driver });
  await registerUi(app, { dir: o.uiDir });
  app.get('/api/health', async (_req, reply) => {
    const { ready, details } = o.health();
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ok' : 'starting', ...details });
  });
  await app.listen({ host: o.host, port: o.port });
  const address = app.server.address();
  return { app, port: typeof address === 'object' && address ? address.port : o.port };
}
