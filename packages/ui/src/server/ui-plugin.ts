import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';

/** The UI's deep links; anything else that is not /api or a file is a 404. */
const ROUTE_PREFIXES = ['/search', '/trace/', '/services', '/service-map', '/sql'];

export interface UiPluginOptions {
  /** The folder of the build to serve, asked on every request (a rebuild swaps it); undefined while none exists. */
  readonly dir: () => string | undefined;
}

/**
 * Serves the built UI: hashed files under /assets/ are cached for a year,
 * index.html is never cached, and the deep links of the single-page app all
 * answer with index.html. Until a first build exists, pages answer 503 with a
 * page that reloads itself.
 */
export async function registerUi(app: FastifyInstance, options: UiPluginOptions): Promise<void> {
  const currentDir = options.dir;
  // @fastify/static needs its root at registration; the folder may appear later, so we send files
  // ourselves through reply.sendFile with a per-request root.
  // cacheControl is ours to set per file; preCompressed serves the .br/.gz files written at build time.
  await app.register(fastifyStatic, { root: '/', serve: false, cacheControl: false, preCompressed: true });

  app.get('/assets/*', (req, reply) => {
    const dir = currentDir();
    const file = (req.params as { '*': string })['*'];
    if (!dir || !existsSync(join(dir, 'assets', file))) return reply.code(404).send('Not found');
    return reply
      .header('cache-control', 'public, max-age=31536000, immutable')
      .sendFile(file, join(dir, 'assets'));
  });

  const page = (_req: unknown, reply: import('fastify').FastifyReply) => {
    const dir = currentDir();
    if (!dir) {
      return reply.code(503).header('retry-after', '2').type('text/html').send(BUILDING_PAGE);
    }
    return reply.header('cache-control', 'no-cache').sendFile('index.html', dir);
  };
  app.get('/', (_req, reply) => reply.redirect('/search'));
  for (const prefix of ROUTE_PREFIXES) {
    const base = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
    app.get(base, page);
    app.get(`${base}/*`, page);
  }
}

const BUILDING_PAGE = `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="refresh" content="2">
<title>Spyglass</title></head><body style="font-family:system-ui;margin:3rem;color:#333">
<h1>Spyglass is building its UI</h1><p>This happens once after an install or an update and takes a few seconds.
This page reloads itself.</p></body></html>`;
