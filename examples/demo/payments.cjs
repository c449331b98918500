'use strict';
// payments: a fake payment provider (fastify, port 7004, CommonJS). POST /api/payments approves a
// payment, but fails with 503 with probability PAYMENTS_FAILURE_RATE and answers slowly (after
// PAYMENTS_SLOW_MS) with probability PAYMENTS_SLOW_RATE. Logs with fastify's built-in pino logger.
const { randomUUID } = require('node:crypto');
const Fastify = require('fastify');
const { settings, onShutdown, sleep } = require('./common.cjs');

const rate = (name, fallback) => {
  const value = Number(process.env[name] ?? fallback);
  return Number.isFinite(value) ? Math.min(Math.max(value, 0), 1) : fallback;
};
const FAILURE_RATE = rate('PAYMENTS_FAILURE_RATE', 0.1);
const SLOW_RATE = rate('PAYMENTS_SLOW_RATE', 0.1);
const SLOW_MS = Number(process.env.PAYMENTS_SLOW_MS || 800);

const app = Fastify({ logger: { level: process.env.LOG_LEVEL || 'info', base: { service: 'payments' } } });

app.get('/health', async () => ({ status: 'ok' }));

app.post(
  '/api/payments',
  {
    schema: {
      body: {
        type: 'object',
        required: ['orderId', 'amount'],
        properties: { orderId: { type: 'string', minLength: 1 }, amount: { type: 'number', minimum: 0 } },
      },
    },
  },
  async (request, reply) => {
    const { orderId, amount } = request.body;
    if (Math.random() < SLOW_RATE) {
      request.log.warn({ orderId, delayMs: SLOW_MS }, 'payment provider is slow');
      await sleep(SLOW_MS);
    }
    if (Math.random() < FAILURE_RATE) {
      request.log.error({ orderId, amount }, 'payment declined: provider unavailable');
      return reply.code(503).send({ error: 'payment provider unavailable' });
    }
    const paymentId = randomUUID();
    request.log.info({ orderId, amount, paymentId }, 'payment approved');
    return { paymentId, status: 'approved' };
  },
);

onShutdown(
  (msg, err) => (err ? app.log.error({ err: String(err) }, msg) : app.log.info(msg)),
  () => app.close(),
);

app.listen({ host: settings.host, port: settings.paymentsPort }).then(
  () =>
    app.log.info(
      { failureRate: FAILURE_RATE, slowRate: SLOW_RATE, slowMs: SLOW_MS },
      `payments listening on http://${settings.host}:${settings.paymentsPort}`,
    ),
  (err) => {
    app.log.fatal({ err: err.message }, 'cannot listen');
    process.exit(1);
  },
);
