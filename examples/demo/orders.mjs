// orders: gRPC server (demo.orders.Orders, port 7002). CreateOrder stores the order in PostgreSQL
// (tables orders + order_items, one transaction) and publishes it to the Kafka topic "orders";
// GetOrder reads it back. Logs with winston.
import { randomUUID } from 'node:crypto';
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';
import kafkajs from 'kafkajs';
import pg from 'pg';
import winston from 'winston';
import { settings, onShutdown } from './common.cjs';

const { Kafka, Partitioners, logLevel } = kafkajs;

const log = winston.createLogger({
  level: process.env.LOG_LEVEL || 'info',
  defaultMeta: { service: 'orders' },
  format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
  transports: [new winston.transports.Console()],
});

/** Unit prices of the demo catalogue; other SKUs are rejected with INVALID_ARGUMENT. */
const CATALOG = {
  'SKU-APPLE': 0.5,
  'SKU-BREAD': 2.25,
  'SKU-COFFEE': 7.9,
  'SKU-MUG': 12,
  'SKU-TEA': 4.5,
  'SKU-LAMP': 39.99,
  'SKU-BOOK': 18.5,
  'SKU-CHAIR': 89,
};
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const pool = new pg.Pool({ connectionString: settings.pgUrl, max: 5 });
pool.on('error', (err) => log.error('idle PostgreSQL client error', { err: err.message }));

const kafka = new Kafka({
  clientId: 'orders',
  brokers: settings.kafkaBrokers,
  logLevel: logLevel.WARN,
  // Route kafkajs' own logs through winston.
  logCreator:
    () =>
    ({ level, log: entry }) => {
      const { message, ...rest } = entry;
      const lvl = level === logLevel.ERROR ? 'error' : level === logLevel.WARN ? 'warn' : 'info';
      log.log(lvl, `kafkajs: ${message}`, rest);
    },
});
const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });

async function migrate() {
  await pool.query(`
    CREATE TABLE IF NOT EXISTS orders (
      id uuid PRIMARY KEY,
      customer text NOT NULL,
      status text NOT NULL,
      total numeric(12, 2) NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
  await pool.query(`
    CREATE TABLE IF NOT EXISTS order_items (
      id bigserial PRIMARY KEY,
      order_id uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
      sku text NOT NULL,
      qty integer NOT NULL,
      unit_price numeric(10, 2) NOT NULL
    )`);
  await pool.query('CREATE INDEX IF NOT EXISTS order_items_order_id ON order_items (order_id)');
}

async function ensureTopic() {
  const admin = kafka.admin();
  await admin.connect();
  try {
    if ((await admin.listTopics()).includes(settings.ordersTopic)) return;
    const created = await admin.createTopics({
      topics: [{ topic: settings.ordersTopic, numPartitions: 3 }],
      waitForLeaders: true,
    });
    if (created) log.info(`created Kafka topic ${settings.ordersTopic}`);
  } finally {
    await admin.disconnect();
  }
}

/** A gRPC error with a status code. */
function rpcError(code, message) {
  return Object.assign(new Error(message), { code });
}

async function createOrder(request) {
  const customer = String(request.customer || '').trim();
  const items = request.items || [];
  if (!customer) throw rpcError(grpc.status.INVALID_ARGUMENT, 'customer is required');
  if (items.length === 0) throw rpcError(grpc.status.INVALID_ARGUMENT, 'at least one item is required');
  const priced = items.map(({ sku, qty }) => {
    const unitPrice = CATALOG[sku];
    if (unitPrice === undefined) throw rpcError(grpc.status.INVALID_ARGUMENT, `unknown sku ${sku}`);
    if (!Number.isInteger(qty) || qty < 1) throw rpcError(grpc.status.INVALID_ARGUMENT, `bad qty for ${sku}`);
    return { sku, qty, unitPrice };
  });
  const total = Math.round(priced.reduce((sum, i) => sum + i.qty * i.unitPrice * 100, 0)) / 100;
  const orderId = randomUUID();

  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('INSERT INTO orders (id, customer, status, total) VALUES ($1, $2, $3, $4)', [
      orderId,
      customer,
      'created',
      total,
    ]);
    for (const item of priced) {
      await client.query('INSERT INTO order_items (order_id, sku, qty, unit_price) VALUES ($1, $2, $3, $4)', [
        orderId,
        item.sku,
        item.qty,
        item.unitPrice,
      ]);
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }

  await producer.send({
    topic: settings.ordersTopic,
    messages: [
      {
        key: orderId,
        value: JSON.stringify({
          orderId,
          customer,
          items: priced.map(({ sku, qty }) => ({ sku, qty })),
          total,
        }),
      },
    ],
  });
  log.info('order created', { orderId, customer, items: priced.length, total });
  return { orderId, status: 'created', total };
}

async function getOrder(request) {
  const orderId = String(request.orderId || '');
  if (!UUID_RE.test(orderId)) throw rpcError(grpc.status.INVALID_ARGUMENT, 'order_id must be a UUID');
  const { rows } = await pool.query(
    'SELECT id, customer, status, total, created_at FROM orders WHERE id = $1',
    [orderId],
  );
  if (rows.length === 0) throw rpcError(grpc.status.NOT_FOUND, `order ${orderId} not found`);
  const items = await pool.query(
    'SELECT sku, qty, unit_price FROM order_items WHERE order_id = $1 ORDER BY id',
    [orderId],
  );
  const [row] = rows;
  return {
    orderId: row.id,
    customer: row.customer,
    status: row.status,
    total: Number(row.total),
    createdAt: row.created_at.toISOString(),
    items: items.rows.map((i) => ({ sku: i.sku, qty: i.qty, unitPrice: Number(i.unit_price) })),
  };
}

/** Adapts an async handler to a unary gRPC handler, logging failures. */
function unary(name, fn) {
  return (call, callback) => {
    fn(call.request).then(
      (reply) => callback(null, reply),
      (err) => {
        // Our own errors carry a gRPC status; anything else (pg, kafkajs) is INTERNAL.
        const status = typeof err.code === 'number' ? err.code : grpc.status.INTERNAL;
        if (status === grpc.status.INTERNAL) log.error(`${name} failed`, { err: err.message });
        else log.warn(`${name} rejected`, { code: grpc.status[status], err: err.message });
        callback({ code: status, message: err.message });
      },
    );
  };
}

const definition = protoLoader.loadSync(settings.protoPath, {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
});
const proto = grpc.loadPackageDefinition(definition).demo.orders;

const server = new grpc.Server();
server.addService(proto.Orders.service, {
  createOrder: unary('CreateOrder', createOrder),
  getOrder: unary('GetOrder', getOrder),
});

onShutdown(
  (msg, err) => (err ? log.error(msg, { err: String(err) }) : log.info(msg)),
  async () => {
    await new Promise((resolve) => {
      // Finish the calls in flight, then close; force after 3 s.
      const timer = setTimeout(() => server.forceShutdown(), 3000);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    await producer.disconnect();
    await pool.end();
  },
);

await migrate();
await ensureTopic();
await producer.connect();
const addr = `${settings.host}:${settings.ordersPort}`;
await new Promise((resolve, reject) =>
  server.bindAsync(addr, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())),
);
log.info(`orders gRPC server listening on ${addr}`);
