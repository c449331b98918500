// web: the public HTTP API (express, port 7001). POST /api/checkout creates an order through the
// orders service (gRPC CreateOrder), GET /api/orders/:id reads one (gRPC GetOrder). Logs with pino.
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';
import express from 'express';
import pino from 'pino';
import { settings, onShutdown } from './common.cjs';

const log = pino({ name: 'web', level: process.env.LOG_LEVEL || 'info' });

const definition = protoLoader.loadSync(settings.protoPath, {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
});
const { Orders } = grpc.loadPackageDefinition(definition).demo.orders;
const orders = new Orders(settings.ordersAddr, grpc.credentials.createInsecure());
const RPC_TIMEOUT_MS = Number(process.env.ORDERS_TIMEOUT_MS || 5000);
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Calls a unary method of the orders service with a deadline. */
function rpc(method, request) {
  return new Promise((resolve, reject) => {
    orders[method](request, { deadline: Date.now() + RPC_TIMEOUT_MS }, (err, reply) =>
      err ? reject(err) : resolve(reply),
    );
  });
}

/** Maps a gRPC error of the orders service to an HTTP status. */
function httpStatusOf(err) {
  if (err.code === grpc.status.INVALID_ARGUMENT) return 400;
  if (err.code === grpc.status.NOT_FOUND) return 404;
  return 502;
}

/** Returns an error message for a bad checkout body, or null when it is fine. */
function validateCheckout(body) {
  if (!body || typeof body !== 'object') return 'body must be a JSON object';
  if (typeof body.customer !== 'string' || !body.customer.trim())
    return 'customer must be a non-empty string';
  if (!Array.isArray(body.items) || body.items.length === 0) return 'items must be a non-empty array';
  if (body.items.length > 50) return 'at most 50 items';
  for (const item of body.items) {
    if (!item || typeof item.sku !== 'string' || !item.sku) return 'each item needs a sku';
    if (!Number.isInteger(item.qty) || item.qty < 1 || item.qty > 100)
      return 'qty must be an integer in 1..100';
  }
  return null;
}

const app = express();
app.disable('x-powered-by');
app.use(express.json({ limit: '64kb' }));

// One access-log line per request (never the Authorization header).
app.use((req, res, next) => {
  const start = process.hrtime.bigint();
  res.on('finish', () => {
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    const entry = { method: req.method, url: req.originalUrl, status: res.statusCode, ms: Math.round(ms) };
    if (res.statusCode >= 500) log.error(entry, 'request failed');
    else if (res.statusCode >= 400) log.warn(entry, 'request rejected');
    else log.info(entry, 'request');
  });
  next();
});

app.get('/health', (_req, res) => {
  res.json({ status: 'ok' });
});

app.post('/api/checkout', async (req, res) => {
  const auth = req.get('authorization') || '';
  if (!/^Bearer \S+$/.test(auth)) {
    res.status(401).json({ error: 'missing bearer token' });
    return;
  }
  const problem = validateCheckout(req.body);
  if (problem) {
    res.status(400).json({ error: problem });
    return;
  }
  const { customer, items } = req.body;
  try {
    const reply = await rpc('createOrder', {
      customer: customer.trim(),
      items: items.map(({ sku, qty }) => ({ sku, qty })),
    });
    log.info({ orderId: reply.orderId, customer, total: reply.total }, 'checkout accepted');
    res.json({ orderId: reply.orderId, status: reply.status });
  } catch (err) {
    const status = httpStatusOf(err);
    if (status >= 500) log.error({ err: err.message, code: err.code }, 'CreateOrder failed');
    res.status(status).json({ error: status >= 500 ? 'orders service unavailable' : err.details });
  }
});

app.get('/api/orders/:id', async (req, res) => {
  const { id } = req.params;
  if (!UUID_RE.test(id)) {
    res.status(400).json({ error: 'order id must be a UUID' });
    return;
  }
  try {
    res.json(await rpc('getOrder', { orderId: id }));
  } catch (err) {
    const status = httpStatusOf(err);
    if (status >= 500) log.error({ err: err.message, code: err.code }, 'GetOrder failed');
    res.status(status).json({ error: status >= 500 ? 'orders service unavailable' : err.details });
  }
});

// Malformed JSON and other errors thrown by middleware.
app.use((err, _req, res, _next) => {
  const status = err.status || err.statusCode || 500;
  if (status >= 500) log.error({ err: err.message }, 'unhandled error');
  res.status(status).json({ error: status >= 500 ? 'internal error' : err.message });
});

const server = app.listen(settings.webPort, settings.host, (err) => {
  if (err) {
    log.fatal({ err: err.message }, 'cannot listen');
    process.exit(1);
  }
  log.info(`web listening on http://${settings.host}:${settings.webPort}`);
});

onShutdown(
  (msg, err) => (err ? log.error({ err: String(err) }, msg) : log.info(msg)),
  async () => {
    await new Promise((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
    orders.close();
  },
);
