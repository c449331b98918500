// fulfillment: consumes the Kafka topic "orders" (group "fulfillment"). For each order it reserves
// stock in Redis (ioredis), charges it through the payments service (HTTP, global fetch), records
// the outcome in Redis and publishes a notification to the RabbitMQ queue "notifications".
// Logs with console.log / console.error.
import amqp from 'amqplib';
import { Redis } from 'ioredis';
import kafkajs from 'kafkajs';
import { settings, onShutdown } from './common.cjs';

const { Kafka, logLevel } = kafkajs;
const PAYMENT_TIMEOUT_MS = Number(process.env.PAYMENTS_TIMEOUT_MS || 3000);
const STATUS_TTL_S = 24 * 3600;

const redis = new Redis(settings.redisUrl, { maxRetriesPerRequest: 3 });
redis.on('error', (err) => console.error(`redis error: ${err.message}`));

const kafka = new Kafka({ clientId: 'fulfillment', brokers: settings.kafkaBrokers, logLevel: logLevel.WARN });
const consumer = kafka.consumer({ groupId: process.env.FULFILLMENT_GROUP || 'fulfillment' });

let amqpConnection;
let channel;

/** Charges the order; resolves to 'paid' or 'payment_failed' (never throws). */
async function charge(orderId, amount) {
  try {
    const res = await fetch(`${settings.paymentsUrl}/api/payments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ orderId, amount }),
      signal: AbortSignal.timeout(PAYMENT_TIMEOUT_MS),
    });
    const body = await res.json().catch(() => ({}));
    if (res.ok && body.status === 'approved') {
      console.log(`order ${orderId}: payment ${body.paymentId} approved (${amount})`);
      return 'paid';
    }
    console.error(`order ${orderId}: payment failed: HTTP ${res.status} ${body.error || ''}`.trim());
  } catch (err) {
    console.error(`order ${orderId}: payment failed: ${err.name}: ${err.message}`);
  }
  return 'payment_failed';
}

async function handleOrder(order) {
  const { orderId, items, total } = order;
  // Reserve the stock and mark the order, atomically.
  const reserve = redis.multi();
  for (const { sku, qty } of items) reserve.hincrby(`stock:${sku}`, 'reserved', qty);
  reserve.set(`order:${orderId}:status`, 'reserved', 'EX', STATUS_TTL_S);
  await reserve.exec();
  console.log(`order ${orderId}: reserved ${items.length} item line(s) for ${order.customer}`);

  const status = await charge(orderId, total);
  const finish = redis.multi();
  if (status !== 'paid') {
    // Give the reserved stock back.
    for (const { sku, qty } of items) finish.hincrby(`stock:${sku}`, 'reserved', -qty);
  }
  finish.set(`order:${orderId}:status`, status, 'EX', STATUS_TTL_S);
  await finish.exec();

  channel.sendToQueue(settings.notificationsQueue, Buffer.from(JSON.stringify({ orderId, status })), {
    persistent: true,
    contentType: 'application/json',
  });
  await channel.waitForConfirms();
  console.log(`order ${orderId}: ${status}, notification queued`);
}

onShutdown(
  (msg, err) => (err ? console.error(msg, err) : console.log(msg)),
  async () => {
    await consumer.disconnect(); // waits for the message being processed
    if (channel) await channel.close().catch(() => {});
    if (amqpConnection) await amqpConnection.close().catch(() => {});
    await redis.quit();
  },
);

amqpConnection = await amqp.connect(settings.amqpUrl);
amqpConnection.on('error', (err) => console.error(`RabbitMQ connection error: ${err.message}`));
channel = await amqpConnection.createConfirmChannel();
await channel.assertQueue(settings.notificationsQueue, { durable: true });

consumer.on(consumer.events.GROUP_JOIN, ({ payload }) =>
  console.log(
    `fulfillment ready: joined group ${payload.groupId} (${Object.values(payload.memberAssignment).flat().length} partition(s))`,
  ),
);
consumer.on(consumer.events.CRASH, ({ payload }) =>
  console.error(`kafka consumer crashed: ${payload.error.message} (restart: ${payload.restart})`),
);
// Create the topic if the orders service has not done so yet (subscribing to a missing topic fails).
const admin = kafka.admin();
await admin.connect();
if (!(await admin.listTopics()).includes(settings.ordersTopic)) {
  await admin.createTopics({
    topics: [{ topic: settings.ordersTopic, numPartitions: 3 }],
    waitForLeaders: true,
  });
}
await admin.disconnect();
await consumer.connect();
// fromBeginning only matters the first time the group runs: no order is missed while it joins.
await consumer.subscribe({ topic: settings.ordersTopic, fromBeginning: true });
await consumer.run({
  partitionsConsumedConcurrently: 3,
  eachMessage: async ({ message, partition }) => {
    let order;
    try {
      order = JSON.parse(message.value.toString());
    } catch {
      console.error(`skipping malformed message at partition ${partition} offset ${message.offset}`);
      return;
    }
    try {
      await handleOrder(order);
    } catch (err) {
      // Do not block the partition on one bad order: log it and move on.
      console.error(`order ${order.orderId}: fulfillment failed: ${err.message}`);
    }
  },
});
console.log(`fulfillment consuming topic ${settings.ordersTopic} from ${settings.kafkaBrokers.join(',')}`);
