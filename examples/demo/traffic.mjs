// Traffic generator for the demo: checkouts with random customers and items (with a fake
// Authorization header, to show the agent's header redaction), now and then a GET of an order it
// created and now and then a deliberately bad checkout (expects 400).
//   node examples/demo/traffic.mjs [--rate 5] [--duration 0 (=forever, seconds)] [--url http://127.0.0.1:7001]
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '5' },
    duration: { type: 'string', default: '0' },
    url: { type: 'string', default: 'http://127.0.0.1:7001' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log(
    'usage: node examples/demo/traffic.mjs [--rate 5] [--duration 0 (=forever, seconds)] [--url http://127.0.0.1:7001]',
  );
  process.exit(0);
}
const rate = Number(values.rate);
const duration = Number(values.duration);
const baseUrl = values.url.replace(/\/+$/, '');
if (!(rate > 0) || !(duration >= 0)) {
  console.error('--rate must be > 0 and --duration >= 0');
  process.exit(2);
}

const CUSTOMERS = [
  'ada',
  'grace',
  'linus',
  'margaret',
  'ken',
  'barbara',
  'dennis',
  'frances',
  'edsger',
  'radia',
];
const SKUS = [
  'SKU-APPLE',
  'SKU-BREAD',
  'SKU-COFFEE',
  'SKU-MUG',
  'SKU-TEA',
  'SKU-LAMP',
  'SKU-BOOK',
  'SKU-CHAIR',
];
const BAD_BODIES = [
  { customer: '', items: [{ sku: 'SKU-TEA', qty: 1 }] },
  { customer: 'mallory', items: [] },
  { customer: 'mallory', items: [{ sku: 'SKU-TEA', qty: -3 }] },
  { customer: 'mallory', items: [{ qty: 2 }] },
  { customer: 'mallory', items: [{ sku: 'SKU-DOES-NOT-EXIST', qty: 1 }] }, // rejected by orders
];
const pick = (list) => list[Math.floor(Math.random() * list.length)];
const fakeToken = () => `Bearer demo-${Math.random().toString(36).slice(2, 12)}`;

const stats = { sent: 0, ok: 0, failed: 0, checkouts: 0, gets: 0, bad: 0 };
const recentOrders = [];
const inFlight = new Set();
const startedAt = Date.now();

async function request(kind, path, init, expected) {
  stats.sent++;
  stats[kind]++;
  try {
    const res = await fetch(`${baseUrl}${path}`, { ...init, signal: AbortSignal.timeout(10_000) });
    const body = await res.json().catch(() => ({}));
    if (res.status === expected) {
      stats.ok++;
    } else {
      stats.failed++;
      console.error(
        `${init.method} ${path}: expected ${expected}, got ${res.status} ${JSON.stringify(body)}`,
      );
    }
    return res.status === 200 ? body : undefined;
  } catch (err) {
    stats.failed++;
    console.error(`${init.method} ${path}: ${err.name}: ${err.message}`);
    return undefined;
  }
}

async function checkout() {
  const items = Array.from({ length: 1 + Math.floor(Math.random() * 3) }, () => ({
    sku: pick(SKUS),
    qty: 1 + Math.floor(Math.random() * 4),
  }));
  const body = await request(
    'checkouts',
    '/api/checkout',
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: fakeToken() },
      body: JSON.stringify({ customer: pick(CUSTOMERS), items }),
    },
    200,
  );
  if (body?.orderId) {
    recentOrders.push(body.orderId);
    if (recentOrders.length > 100) recentOrders.shift();
  }
}

function getOrder() {
  return request('gets', `/api/orders/${pick(recentOrders)}`, { method: 'GET' }, 200);
}

function badCheckout() {
  const malformed = Math.random() < 0.2;
  return request(
    'bad',
    '/api/checkout',
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: fakeToken() },
      body: malformed ? '{"customer": "mallory", "items": [' : JSON.stringify(pick(BAD_BODIES)),
    },
    400,
  );
}

function tick() {
  const r = Math.random();
  const p = r < 0.1 ? badCheckout() : r < 0.25 && recentOrders.length > 0 ? getOrder() : checkout();
  inFlight.add(p);
  void p.finally(() => inFlight.delete(p));
}

const summary = () =>
  `sent=${stats.sent} ok=${stats.ok} failed=${stats.failed} ` +
  `(checkouts=${stats.checkouts} gets=${stats.gets} bad-requests=${stats.bad}, in flight=${inFlight.size})`;

console.log(`traffic: ${rate} req/s to ${baseUrl}${duration ? ` for ${duration}s` : ' until stopped'}`);
const sender = setInterval(tick, 1000 / rate);
const reporter = setInterval(() => console.log(`traffic: ${summary()}`), 5000);

let stopping = false;
async function stop(reason) {
  if (stopping) return;
  stopping = true;
  clearInterval(sender);
  clearInterval(reporter);
  await Promise.race([Promise.allSettled([...inFlight]), new Promise((r) => setTimeout(r, 5000))]);
  const secs = ((Date.now() - startedAt) / 1000).toFixed(1);
  console.log(`traffic: ${reason} after ${secs}s: ${summary()}`);
  process.exit(stats.failed > 0 && stats.ok === 0 ? 1 : 0);
}
process.on('SIGINT', () => void stop('interrupted'));
process.on('SIGTERM', () => void stop('stopped'));
if (duration > 0) setTimeout(() => void stop('done'), duration * 1000);
