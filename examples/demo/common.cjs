'use strict';
// Tiny helpers shared by the demo services (CommonJS, so both the .mjs and the .cjs services can
// load it). No logging library here: each service logs with its own.

const path = require('node:path');

const env = process.env;

/** Connection settings and ports, from the environment, with the defaults of infra/env.sh. */
const settings = {
  host: env.DEMO_HOST || '127.0.0.1',
  webPort: Number(env.WEB_PORT || 7001),
  ordersPort: Number(env.ORDERS_PORT || 7002),
  ordersAddr: env.ORDERS_ADDR || `127.0.0.1:${env.ORDERS_PORT || 7002}`,
  paymentsPort: Number(env.PAYMENTS_PORT || 7004),
  paymentsUrl: env.PAYMENTS_URL || `http://127.0.0.1:${env.PAYMENTS_PORT || 7004}`,
  pgUrl: env.SPYGLASS_PG_URL || 'postgres://spyglass:spyglass@127.0.0.1:55432/spyglass',
  redisUrl: env.SPYGLASS_REDIS_URL || 'redis://127.0.0.1:56379',
  amqpUrl: env.SPYGLASS_AMQP_URL || 'amqp://spyglass:spyglass@127.0.0.1:55672',
  kafkaBrokers: (env.SPYGLASS_KAFKA_BROKERS || '127.0.0.1:59092').split(',').map((b) => b.trim()),
  ordersTopic: env.ORDERS_TOPIC || 'orders',
  notificationsQueue: env.NOTIFICATIONS_QUEUE || 'notifications',
  protoPath: path.join(__dirname, 'proto', 'orders.proto'),
};

/**
 * Runs `close` once on the first SIGTERM or SIGINT, then exits (0 if `close` resolved, 1 if it
 * threw). A second signal while closing is only reported; if closing takes longer than
 * `timeoutMs` the process exits with code 1 anyway.
 * @param {(msg: string, err?: unknown) => void} log
 * @param {() => Promise<void>} close
 */
function onShutdown(log, close, timeoutMs = 8000) {
  let closing = false;
  const handler = (signal) => {
    if (closing) {
      log(`${signal} received again: still shutting down`);
      return;
    }
    closing = true;
    log(`${signal} received: shutting down`);
    setTimeout(() => {
      log(`shutdown did not finish in ${timeoutMs} ms: exiting`);
      process.exit(1);
    }, timeoutMs).unref();
    close().then(
      () => {
        log('stopped');
        process.exit(0);
      },
      (err) => {
        log('error while shutting down', err);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}

/** Resolves after `ms` milliseconds. */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

module.exports = { settings, onShutdown, sleep };
