'use strict';
// notifier: consumes the RabbitMQ queue "notifications" (amqplib), "notifies" the customer (a log
// line) and records the last status in Redis with node-redis (SET notified:<orderId> <status>).
// CommonJS; logs with bunyan.
const amqp = require('amqplib');
const bunyan = require('bunyan');
const { createClient } = require('redis');
const { settings, onShutdown } = require('./common.cjs');

const log = bunyan.createLogger({ name: 'notifier', level: process.env.LOG_LEVEL || 'info' });
const STATUS_TTL_S = 24 * 3600;

const redis = createClient({ url: settings.redisUrl });
redis.on('error', (err) => log.error({ err: err.message }, 'redis error'));

let connection;
let channel;
let consumerTag;
const inFlight = new Set();

async function handle(msg) {
  let body;
  try {
    body = JSON.parse(msg.content.toString());
  } catch {
    log.error({ content: msg.content.toString().slice(0, 200) }, 'dropping malformed notification');
    channel.nack(msg, false, false);
    return;
  }
  const { orderId, status } = body;
  try {
    await redis.set(`notified:${orderId}`, String(status), {
      expiration: { type: 'EX', value: STATUS_TTL_S },
    });
    log.info({ orderId, status }, `notified customer of order ${orderId}: ${status}`);
    channel.ack(msg);
  } catch (err) {
    log.error({ orderId, err: err.message }, 'notification failed: requeueing');
    channel.nack(msg, false, true);
  }
}

async function main() {
  await redis.connect();
  connection = await amqp.connect(settings.amqpUrl);
  connection.on('error', (err) => log.error({ err: err.message }, 'RabbitMQ connection error'));
  channel = await connection.createChannel();
  await channel.assertQueue(settings.notificationsQueue, { durable: true });
  await channel.prefetch(20);
  ({ consumerTag } = await channel.consume(settings.notificationsQueue, (msg) => {
    if (msg === null) {
      log.warn('consumer cancelled by the broker');
      return;
    }
    const p = handle(msg).finally(() => inFlight.delete(p));
    inFlight.add(p);
  }));
  log.info(`notifier ready: consuming queue ${settings.notificationsQueue}`);
}

onShutdown(
  (msg, err) => (err ? log.error({ err: String(err) }, msg) : log.info(msg)),
  async () => {
    if (channel && consumerTag) await channel.cancel(consumerTag);
    await Promise.allSettled([...inFlight]);
    if (channel) await channel.close().catch(() => {});
    if (connection) await connection.close().catch(() => {});
    if (redis.isOpen) await redis.close();
  },
);

main().catch((err) => {
  log.fatal({ err: err.message }, 'cannot start');
  process.exit(1);
});
