import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureAgentBuilt } from '@spyglass/agent';
import { backingService } from '../support/backing-services.ts';
import { startDemoService, type DemoService } from '../support/demo-services.ts';
import {
  exited,
  freePort,
  startSpyglassOnFreePorts,
  type SpyglassPorts,
} from '../support/spyglass-process.ts';

/**
 * The end-to-end acceptance test of the demo (examples/demo/): one real `spyglass up`, the five
 * demo services under the launcher (`spyglass run`) on free ports, and one checkout. The trace of
 * that checkout must cross HTTP, gRPC, Kafka and RabbitMQ as ONE trace, carry payloads, headers
 * (secrets redacted), sanitized statements and code attributes, have its logs correlated, and
 * show up in the trace and service-map APIs.
 */
const postgres = await backingService('postgres');
const redis = await backingService('redis');
const rabbitmq = await backingService('rabbitmq');
const kafka = await backingService('kafka');
const skip = postgres.skip || redis.skip || rabbitmq.skip || kafka.skip;

const SERVICES = ['web', 'orders', 'fulfillment', 'payments', 'notifier'] as const;
const TOKEN = 'secret-token';
/** Unique per run: the customer name must not show up in any sanitized statement. */
const CUSTOMER = `ada-e2e-${randomUUID().slice(0, 8)}`;
const CHECKOUT = {
  customer: CUSTOMER,
  items: [
    { sku: 'SKU-TEA', qty: 2 },
    { sku: 'SKU-MUG', qty: 1 },
  ],
};
const CHECKOUT_JSON = JSON.stringify(CHECKOUT);
const HEX32 = /^[0-9a-f]{32}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface SpanRow {
  Timestamp: string;
  TraceId: string;
  SpanId: string;
  ParentSpanId: string;
  ServiceName: string;
  SpanName: string;
  SpanKind: string;
  StatusCode: string;
  Duration: string | number;
  SpanAttributes: Record<string, string>;
}
interface LogRow {
  TraceId: string;
  SpanId: string;
  ServiceName: string;
  SeverityText: string;
  Body: string;
}

// Filled by before().
let ports: SpyglassPorts;
let dataDir = '';
let spyglass: ChildProcess | undefined;
const services: DemoService[] = [];
let startedAt = 0;
let orderId = '';
let traceId = '';
/** The checkout's trace first, then any other trace that mentions the order. */
let traceIds: string[] = [];
const spans: SpanRow[] = [];
const logs: LogRow[] = [];
// Isolation from a demo running at the same time on the same brokers.
const suffix = randomUUID().slice(0, 8);
const TOPIC = `orders-e2e-${suffix}`;
const GROUP = `fulfillment-e2e-${suffix}`;
const QUEUE = `notifications-e2e-${suffix}`;

async function sql<T>(text: string): Promise<T[]> {
  const r = await fetch(`http://127.0.0.1:${ports.http}/api/v1/sql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sql: text }),
  });
  const body = (await r.json()) as { rows?: T[] };
  if (r.status !== 200 || !body.rows)
    throw new Error(`SQL failed (${r.status}): ${JSON.stringify(body)}\n${text}`);
  return body.rows;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const SPAN_COLUMNS =
  'Timestamp, TraceId, SpanId, ParentSpanId, ServiceName, SpanName, SpanKind, StatusCode, Duration, SpanAttributes';
const traceSpans = (id: string) =>
  sql<SpanRow>(`SELECT ${SPAN_COLUMNS} FROM otel_traces WHERE TraceId = '${id}' ORDER BY Timestamp`);
const traceLogs = (id: string) =>
  sql<LogRow>(
    `SELECT TraceId, SpanId, ServiceName, SeverityText, Body FROM otel_logs WHERE TraceId = '${id}' ORDER BY Timestamp`,
  );
const attr = (s: SpanRow, key: string): string | undefined => s.SpanAttributes[key];
const statementOf = (s: SpanRow): string => attr(s, 'db.statement') ?? attr(s, 'db.query.text') ?? '';
const dbSystemOf = (s: SpanRow): string => attr(s, 'db.system') ?? attr(s, 'db.system.name') ?? '';
const describeSpan = (s: SpanRow): string =>
  `${s.ServiceName} ${s.SpanKind} "${s.SpanName}" ${s.SpanId}<-${s.ParentSpanId || 'root'}`;

/** The web server span(s) of POST /api/checkout since the test started. */
async function checkoutServerSpans(): Promise<SpanRow[]> {
  return sql<SpanRow>(
    `SELECT ${SPAN_COLUMNS} FROM otel_traces WHERE ServiceName = 'web' AND SpanKind = 'Server' ` +
      `AND (SpanName LIKE '%/api/checkout%' OR SpanAttributes['http.route'] = '/api/checkout' ` +
      `OR SpanAttributes['url.path'] = '/api/checkout' OR SpanAttributes['http.target'] = '/api/checkout')`,
  );
}

/** One line per span, indented under its parent (for the report and failure messages). */
function traceTree(rows: SpanRow[]): string {
  const children = new Map<string, SpanRow[]>();
  const ids = new Set(rows.map((s) => s.SpanId));
  for (const s of rows) {
    const parent = s.ParentSpanId && ids.has(s.ParentSpanId) ? s.ParentSpanId : '';
    children.set(parent, [...(children.get(parent) ?? []), s]);
  }
  const out: string[] = [];
  const walk = (parent: string, depth: number) => {
    for (const s of children.get(parent) ?? []) {
      const ms = (Number(s.Duration) / 1e6).toFixed(1);
      const orphan = s.ParentSpanId && !ids.has(s.ParentSpanId) ? ' (ORPHAN: parent missing)' : '';
      out.push(`${'  '.repeat(depth)}${s.ServiceName} ${s.SpanKind} "${s.SpanName}" ${ms}ms${orphan}`);
      walk(s.SpanId, depth + 1);
    }
  };
  walk('', 0);
  return out.join('\n');
}

describe('demo: one checkout is one complete trace', { skip, timeout: 150_000 }, () => {
  before(async () => {
    startedAt = Date.now();
    dataDir = mkdtempSync(join(tmpdir(), 'spyglass-demo-e2e-'));
    // Build the agent once here, so five launchers do not race to build it.
    const building = (async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          await ensureAgentBuilt();
          return;
        } catch (err) {
          if (attempt >= 3) throw err;
          process.stderr.write(`# agent build failed (${(err as Error).message}): retrying\n`);
          await sleep(5_000);
        }
      }
    })();
    ({ child: spyglass, ports } = await startSpyglassOnFreePorts({
      dataDir,
      config: 'clickhouseHttp:\n  enabled: false\ningest:\n  flushIntervalMs: 100\n',
    }));
    await building;

    const webPort = await freePort();
    const ordersPort = await freePort();
    const paymentsPort = await freePort();
    const env: Record<string, string> = {
      SPYGLASS_PG_URL: postgres.url,
      SPYGLASS_REDIS_URL: redis.url,
      SPYGLASS_AMQP_URL: rabbitmq.url,
      SPYGLASS_KAFKA_BROKERS: kafka.url,
      DEMO_HOST: '127.0.0.1',
      WEB_PORT: String(webPort),
      ORDERS_PORT: String(ordersPort),
      ORDERS_ADDR: `127.0.0.1:${ordersPort}`,
      PAYMENTS_PORT: String(paymentsPort),
      PAYMENTS_URL: `http://127.0.0.1:${paymentsPort}`,
      PAYMENTS_FAILURE_RATE: '0',
      PAYMENTS_SLOW_RATE: '0',
      ORDERS_TOPIC: TOPIC,
      FULFILLMENT_GROUP: GROUP,
      NOTIFICATIONS_QUEUE: QUEUE,
      LOG_LEVEL: 'info',
    };
    const otlpUrl = `http://127.0.0.1:${ports.otlp}`;
    /**
     * Starts a service and waits until `ready`; once more if it exited first because the agent
     * could not be built (the agent's sources may be being edited while this test runs).
     */
    const start = async (name: string, file: string, ready: (s: DemoService) => Promise<unknown>) => {
      for (let attempt = 1; ; attempt++) {
        const s = startDemoService({ name, file, otlpUrl, env });
        services.push(s);
        try {
          await ready(s);
          return s;
        } catch (err) {
          const buildFailed = s.lines.some((l) => l.includes('agent could not be built'));
          if (attempt >= 2 || !buildFailed) throw err;
          process.stderr.write(`# ${name}: the agent could not be built: retrying in 3 s\n`);
          await s.stop();
          await sleep(3_000);
        }
      }
    };
    // Downstream first (as scripts/demo.mjs does): fulfillment creates the topic and joins its group.
    const [, notifier] = await Promise.all([
      start('payments', 'payments.cjs', (s) => s.waitForPort(paymentsPort, 45_000)),
      start('notifier', 'notifier.cjs', (s) => s.waitForLine(/notifier ready/, 45_000)),
      start('fulfillment', 'fulfillment.mjs', (s) => s.waitForLine(/fulfillment ready/, 45_000)),
    ]);
    await Promise.all([
      start('orders', 'orders.mjs', (s) => s.waitForPort(ordersPort, 45_000)),
      start('web', 'web.mjs', (s) => s.waitForPort(webPort, 45_000)),
    ]);
    process.stderr.write(`# demo services ready after ${Date.now() - startedAt} ms\n`);

    // THE demo action.
    const res = await fetch(`http://127.0.0.1:${webPort}/api/checkout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: CHECKOUT_JSON,
    });
    const reply = (await res.json()) as { orderId?: string; status?: string };
    assert.equal(res.status, 200, `checkout answered ${res.status}: ${JSON.stringify(reply)}`);
    assert.match(reply.orderId ?? '', UUID);
    orderId = reply.orderId!;

    // The order went all the way through: the notifier logged it.
    await notifier.waitForLine(new RegExp(`notified customer of order ${orderId}`), 30_000);

    // Ingest is asynchronous (the agent exports every second, then the store inserts): poll
    // until the checkout's server span is stored and nothing new arrived for 3 s.
    const deadline = Date.now() + 30_000;
    let stableSince = Date.now();
    let last = '';
    for (;;) {
      const [counts] = await sql<{ spans: string; logs: string }>(
        'SELECT (SELECT count() FROM otel_traces) AS spans, (SELECT count() FROM otel_logs) AS logs',
      );
      const now = JSON.stringify(counts);
      if (now !== last) {
        last = now;
        stableSince = Date.now();
      } else if (Date.now() - stableSince >= 3_000 && (await checkoutServerSpans()).length > 0) break;
      if (Date.now() > deadline) {
        process.stderr.write('# the stored telemetry did not settle in 30 s: asserting on what is there\n');
        break;
      }
      await sleep(500);
    }
    const roots = await checkoutServerSpans();
    traceId = roots[0]?.TraceId ?? '';
    // The checkout's spans: its trace, plus any other trace that mentions the order (there should
    // be none: test 1 checks that; the other tests check each feature on all of the order's spans,
    // so that a broken hop fails test 1 without hiding everything past it).
    const orderTraces = await sql<{ TraceId: string }>(
      `SELECT DISTINCT TraceId FROM otel_traces WHERE arrayExists(v -> position(v, '${orderId}') > 0, mapValues(SpanAttributes)) ` +
        `OR position(SpanName, '${orderId}') > 0`,
    );
    traceIds = [...new Set([traceId, ...orderTraces.map((r) => r.TraceId)].filter((t) => HEX32.test(t)))];
    for (const id of traceIds) {
      spans.push(...(await traceSpans(id)));
      logs.push(...(await traceLogs(id)));
    }
    const perService = Object.fromEntries(
      SERVICES.map((svc) => [svc, spans.filter((s) => s.ServiceName === svc).length]),
    );
    process.stderr.write(
      `# order ${orderId}, trace(s) ${traceIds.join(', ')}: ${spans.length} spans ${JSON.stringify(perService)}, ` +
        `${logs.length} logs, after ${Date.now() - startedAt} ms\n` +
        `${traceTree(spans)
          .split('\n')
          .map((l) => `#   ${l}`)
          .join('\n')}\n`,
    );
  });

  after(async () => {
    // DEMO_TRACE_DUMP=<file>: everything the backend stored, for investigating a failure.
    const dump = process.env['DEMO_TRACE_DUMP'];
    if (dump && spyglass) {
      const all = {
        orderId,
        traceId,
        spans: await sql(`SELECT ${SPAN_COLUMNS} FROM otel_traces ORDER BY Timestamp`),
        logs: await sql(
          'SELECT Timestamp, TraceId, SpanId, ServiceName, SeverityText, Body FROM otel_logs ORDER BY Timestamp',
        ),
        output: Object.fromEntries(services.map((s) => [s.name, s.lines])),
      };
      writeFileSync(dump, JSON.stringify(all, null, 1));
    }
    // Services first (in reverse order, all at once), Spyglass last so it receives their last telemetry.
    await Promise.all([...services].reverse().map((s) => s.stop(10_000)));
    if (spyglass) {
      spyglass.kill('SIGTERM');
      const timer = setTimeout(() => spyglass?.kill('SIGKILL'), 15_000);
      await exited(spyglass);
      clearTimeout(timer);
    }
    await cleanUpBrokersAndData();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    process.stderr.write(`# demo-trace: ${Date.now() - startedAt} ms in all\n`);
  });

  test('1. exactly one trace holds the checkout, across every service, with no orphan span', async () => {
    assert.match(traceId, HEX32, 'a web server span of POST /api/checkout was stored');
    assert.equal(
      (await checkoutServerSpans()).length,
      1,
      'exactly one web server span of POST /api/checkout',
    );
    // No other trace mentions the order (e.g. a server or consumer span starting a new trace).
    const traces = traceIds.map((id) => {
      const own = spans.filter((s) => s.TraceId === id);
      return `${id}: ${own.length} spans of ${[...new Set(own.map((s) => s.ServiceName))].join('+')}, root ${own
        .filter((s) => s.ParentSpanId === '')
        .map(describeSpan)
        .join('; ')}`;
    });
    assert.deepEqual(traceIds, [traceId], `one trace for order ${orderId}, got:\n${traces.join('\n')}`);
    const seen = new Set(spans.map((s) => s.ServiceName));
    for (const svc of SERVICES)
      assert.ok(seen.has(svc), `the trace has spans of ${svc} (it has ${[...seen].join(', ')})`);
    // One root, the web server span; every other span's parent is in the trace.
    const ids = new Set(spans.map((s) => s.SpanId));
    const rootSpans = spans.filter((s) => s.ParentSpanId === '');
    assert.equal(rootSpans.length, 1, `one root span: ${rootSpans.map(describeSpan).join('; ')}`);
    assert.equal(rootSpans[0]!.ServiceName, 'web');
    assert.equal(rootSpans[0]!.SpanKind, 'Server');
    const orphans = spans.filter((s) => s.ParentSpanId !== '' && !ids.has(s.ParentSpanId));
    assert.deepEqual(orphans.map(describeSpan), [], 'every parent is in the trace');
    // The hops are parent/child links: HTTP (web), gRPC, Kafka, HTTP (payments), RabbitMQ.
    const byId = new Map(spans.map((s) => [s.SpanId, s]));
    const callerOf = (svc: string, kind: string) =>
      spans
        .filter((s) => s.ServiceName === svc && s.SpanKind === kind)
        .map((s) => byId.get(s.ParentSpanId)?.ServiceName);
    assert.ok(callerOf('orders', 'Server').includes('web'), 'the orders gRPC server span is a child of web');
    assert.ok(
      callerOf('fulfillment', 'Consumer').includes('orders'),
      'the Kafka consumer span is a child of orders',
    );
    assert.ok(
      callerOf('payments', 'Server').includes('fulfillment'),
      'the payments server span is a child of fulfillment',
    );
    assert.ok(
      callerOf('notifier', 'Consumer').includes('fulfillment'),
      'the RabbitMQ consumer span is a child of fulfillment',
    );
  });

  test('2. the Kafka hop: a producer span in orders and a consumer span in fulfillment, both with the payload', () => {
    const producers = spans.filter(
      (s) =>
        s.ServiceName === 'orders' && s.SpanKind === 'Producer' && attr(s, 'messaging.system') === 'kafka',
    );
    const consumers = spans.filter(
      (s) =>
        s.ServiceName === 'fulfillment' &&
        s.SpanKind === 'Consumer' &&
        attr(s, 'messaging.system') === 'kafka',
    );
    assert.equal(
      producers.length,
      1,
      `one Kafka producer span in orders: ${spans.map(describeSpan).join('; ')}`,
    );
    assert.equal(
      consumers.length,
      1,
      `one Kafka consumer span in fulfillment: ${spans.map(describeSpan).join('; ')}`,
    );
    const [producer, consumer] = [producers[0]!, consumers[0]!];
    for (const s of [producer, consumer]) {
      const payload = attr(s, 'messaging.message.payload') ?? '';
      assert.ok(
        payload.includes(orderId),
        `${describeSpan(s)} messaging.message.payload has the order id: ${payload}`,
      );
    }
    assert.equal(consumer.ParentSpanId, producer.SpanId, 'the consumer span is a child of the producer span');
  });

  test('3. payloads and headers: the posted JSON, the Authorization header redacted, the payment request', () => {
    const web = spans.find((s) => s.ServiceName === 'web' && s.SpanKind === 'Server');
    assert.ok(web, 'the web server span');
    const payload = attr(web, 'http.request.payload') ?? '';
    assert.ok(payload.includes(CHECKOUT_JSON), `http.request.payload has the posted JSON: ${payload}`);
    assert.equal(attr(web, 'http.request.header.authorization'), '[REDACTED]');
    const response = attr(web, 'http.response.payload') ?? '';
    assert.ok(response.includes(orderId), `http.response.payload has the order id: ${response}`);
    const payments = spans.filter((s) => s.ServiceName === 'payments' && s.SpanKind === 'Server');
    assert.ok(payments.length > 0, 'a payments server span');
    assert.ok(
      payments.some((s) => (attr(s, 'http.request.payload') ?? '').includes(orderId)),
      `a payments server span has the order id in http.request.payload: ${JSON.stringify(payments.map((s) => s.SpanAttributes))}`,
    );
    // The token itself is nowhere: not in any attribute of any span, not in any log.
    const leaks = spans.filter((s) => Object.values(s.SpanAttributes).some((v) => v.includes(TOKEN)));
    assert.deepEqual(leaks.map(describeSpan), [], 'the bearer token is in no span attribute');
    assert.deepEqual(
      logs.filter((l) => l.Body.includes(TOKEN)),
      [],
      'the bearer token is in no log',
    );
  });

  test('4. statements: a sanitized INSERT INTO orders in orders, Redis commands in fulfillment', () => {
    const pg = spans.filter((s) => s.ServiceName === 'orders' && dbSystemOf(s) === 'postgresql');
    const insert = pg.filter((s) => /INSERT INTO orders\b/i.test(statementOf(s)));
    assert.ok(insert.length > 0, `an INSERT INTO orders statement: ${pg.map(statementOf).join(' | ')}`);
    const withCustomer = spans.filter((s) => statementOf(s).includes(CUSTOMER));
    assert.deepEqual(withCustomer.map(statementOf), [], 'no statement has the customer name in it');
    const redisSpans = spans.filter((s) => s.ServiceName === 'fulfillment' && dbSystemOf(s) === 'redis');
    assert.ok(redisSpans.length > 0, 'Redis spans of fulfillment');
    assert.ok(
      redisSpans.some((s) => /hincrby|set|multi|exec/i.test(`${s.SpanName} ${statementOf(s)}`)),
      `Redis spans name their command: ${redisSpans.map((s) => `${s.SpanName}: ${statementOf(s)}`).join(' | ')}`,
    );
  });

  test('5. code attributes: a client span of orders or fulfillment points at the demo source line', () => {
    const candidates = spans.filter(
      (s) =>
        (s.ServiceName === 'orders' || s.ServiceName === 'fulfillment') &&
        (s.SpanKind === 'Client' || s.SpanKind === 'Producer'),
    );
    const withCode = candidates.filter((s) => {
      const file = attr(s, 'code.file.path') ?? '';
      const line = Number(attr(s, 'code.line.number'));
      return /examples\/demo\/(orders|fulfillment)\.mjs$/.test(file) && line > 0;
    });
    assert.ok(
      withCode.length > 0,
      `code.file.path/code.line.number on a client span: ${candidates
        .map((s) => `${describeSpan(s)} ${attr(s, 'code.file.path')}:${attr(s, 'code.line.number')}`)
        .join(' | ')}`,
    );
  });

  test('6. logs of the trace from at least three services, each tied to a span of the trace', async () => {
    const ids = new Set(spans.map((s) => s.SpanId));
    const logServices = new Set(logs.map((l) => l.ServiceName));
    const expected = ['web', 'orders', 'fulfillment', 'notifier'].filter((svc) => logServices.has(svc));
    assert.ok(
      expected.length >= 3,
      `logs of the trace from >= 3 of web, orders, fulfillment, notifier; got ${JSON.stringify(
        logs.map((l) => [l.ServiceName, l.Body.slice(0, 80)]),
      )}`,
    );
    const loose = logs.filter((l) => !ids.has(l.SpanId));
    assert.deepEqual(loose, [], 'every log of the trace has the SpanId of a span of the trace');
    // And the order's logs are all in that trace (none left without a trace id).
    const orderLogs = await sql<LogRow>(
      `SELECT TraceId, SpanId, ServiceName, SeverityText, Body FROM otel_logs WHERE position(Body, '${orderId}') > 0`,
    );
    const outside = orderLogs.filter((l) => !traceIds.includes(l.TraceId));
    assert.deepEqual(
      outside,
      [],
      `every log mentioning order ${orderId} belongs to its trace (none without a trace id)`,
    );
  });

  test('7. GET /api/v1/traces/:id returns the spans and the logs', async () => {
    assert.ok(traceIds.length > 0, 'the checkout was traced');
    for (const id of traceIds) {
      const r = await fetch(`http://127.0.0.1:${ports.http}/api/v1/traces/${id}`);
      assert.equal(r.status, 200);
      const body = (await r.json()) as {
        spans: { SpanId: string }[];
        logs: { SpanId: string; Body: string }[];
      };
      const own = spans.filter((s) => s.TraceId === id);
      const ownLogs = logs.filter((l) => l.TraceId === id);
      assert.deepEqual(
        body.spans.map((s) => s.SpanId).sort(),
        own.map((s) => s.SpanId).sort(),
        `spans of ${id}`,
      );
      assert.deepEqual(
        body.logs.map((l) => `${l.SpanId} ${l.Body}`).sort(),
        ownLogs.map((l) => `${l.SpanId} ${l.Body}`).sort(),
        `logs of ${id}`,
      );
    }
    assert.ok(spans.length > 0 && logs.length > 0);
  });

  const serviceMap = async () => {
    const from = startedAt - 60_000;
    const to = Date.now() + 60_000;
    const r = await fetch(`http://127.0.0.1:${ports.http}/api/v1/service-map?from=${from}&to=${to}`);
    assert.equal(r.status, 200);
    const map = (await r.json()) as {
      nodes: { id: string; kind: string }[];
      edges: { source: string; target: string; calls: number }[];
    };
    const edges = new Set(map.edges.map((e) => `${e.source}->${e.target}`));
    const kinds = new Map(map.nodes.map((n) => [n.id, n.kind]));
    const shown = `edges ${[...edges].join(', ')}; nodes ${map.nodes.map((n) => `${n.id}(${n.kind})`).join(', ')}`;
    return { edges, kinds, shown };
  };

  test('8a. the service map has the edges between the demo services', async () => {
    const { edges, shown } = await serviceMap();
    const via = (a: string, broker: string, b: string) =>
      edges.has(`${a}->${b}`) || (edges.has(`${a}->${broker}`) && edges.has(`${broker}->${b}`));
    assert.ok(via('orders', 'kafka', 'fulfillment'), `orders->fulfillment (direct or via kafka): ${shown}`);
    assert.ok(edges.has('fulfillment->payments'), `fulfillment->payments: ${shown}`);
    assert.ok(
      via('fulfillment', 'rabbitmq', 'notifier'),
      `fulfillment->notifier (direct or via rabbitmq): ${shown}`,
    );
    assert.ok(edges.has('web->orders'), `web->orders: ${shown}`);
  });

  test('8b. the service map has the PostgreSQL and Redis nodes', async () => {
    const { edges, kinds, shown } = await serviceMap();
    assert.equal(kinds.get('postgresql'), 'database', `a postgresql database node: ${shown}`);
    assert.equal(kinds.get('redis'), 'database', `a redis database node: ${shown}`);
    assert.ok(edges.has('orders->postgresql'), `orders->postgresql: ${shown}`);
    assert.ok(edges.has('fulfillment->redis'), `fulfillment->redis: ${shown}`);
  });
});

/** Removes what the run left in the shared brokers and stores (best effort, bounded in time). */
async function cleanUpBrokersAndData(): Promise<void> {
  const steps: Promise<unknown>[] = [];
  if (!kafka.skip) {
    steps.push(
      (async () => {
        const { default: kafkajs } = await import('kafkajs');
        const admin = new kafkajs.Kafka({
          clientId: 'demo-e2e-cleanup',
          brokers: kafka.url.split(','),
          logLevel: kafkajs.logLevel.NOTHING,
        }).admin();
        await admin.connect();
        try {
          await admin.deleteGroups([GROUP]).catch(() => undefined);
          await admin.deleteTopics({ topics: [TOPIC], timeout: 5_000 }).catch(() => undefined);
        } finally {
          await admin.disconnect();
        }
      })(),
    );
  }
  if (!rabbitmq.skip) {
    steps.push(
      (async () => {
        const amqp = await import('amqplib');
        const connection = await amqp.connect(rabbitmq.url);
        try {
          const channel = await connection.createChannel();
          await channel.deleteQueue(QUEUE);
          await channel.close();
        } finally {
          await connection.close();
        }
      })(),
    );
  }
  if (orderId && !postgres.skip) {
    steps.push(
      (async () => {
        const { default: pg } = await import('pg');
        const client = new pg.Client({ connectionString: postgres.url });
        await client.connect();
        try {
          await client.query('DELETE FROM orders WHERE id = $1', [orderId]); // order_items cascade
        } finally {
          await client.end();
        }
      })(),
    );
  }
  if (orderId && !redis.skip) {
    steps.push(
      (async () => {
        const { Redis } = await import('ioredis');
        const client = new Redis(redis.url, { maxRetriesPerRequest: 1, lazyConnect: true });
        await client.connect();
        try {
          // Give back the stock this order reserved (the payment was approved, so it stayed reserved).
          const undo = client.multi().del(`order:${orderId}:status`, `notified:${orderId}`);
          for (const { sku, qty } of CHECKOUT.items) undo.hincrby(`stock:${sku}`, 'reserved', -qty);
          await undo.exec();
        } finally {
          client.disconnect();
        }
      })(),
    );
  }
  const results = await Promise.race([
    Promise.allSettled(steps),
    sleep(15_000).then(() => [{ status: 'rejected', reason: new Error('clean-up timed out') }] as const),
  ]);
  for (const r of results)
    if (r.status === 'rejected') process.stderr.write(`# clean-up: ${(r.reason as Error).message}\n`);
}
