import { randomBytes } from 'node:crypto';

/**
 * Telemetry shaped like the demo system's (examples/demo), sent over OTLP/HTTP
 * (JSON), for the UI's end-to-end tests and benchmark: web -> orders (gRPC) ->
 * PostgreSQL and Kafka -> fulfillment -> Redis and payments (HTTP), with
 * headers, payloads, statements, code attributes, exceptions and correlated logs.
 */

type AnyValue =
  { stringValue: string } | { intValue: string } | { boolValue: boolean } | { doubleValue: number };
type KeyValue = { key: string; value: AnyValue };

interface SeedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: 'SERVER' | 'CLIENT' | 'PRODUCER' | 'CONSUMER' | 'INTERNAL';
  startNs: bigint;
  durationNs: bigint;
  error?: string;
  attributes?: Record<string, string | number | boolean>;
  events?: Array<{ name: string; offsetNs: bigint; attributes: Record<string, string> }>;
  links?: Array<{ traceId: string; spanId: string }>;
}

interface SeedLog {
  service: string;
  traceId: string;
  spanId: string;
  timeNs: bigint;
  severity: 'INFO' | 'WARN' | 'ERROR';
  body: string;
  attributes?: Record<string, string>;
}

export interface SeededTrace {
  readonly traceId: string;
  readonly failed: boolean;
  /** The Kafka consumer side's trace when it is a separate trace linked to this one. */
  readonly spans: number;
}

export interface SeedResult {
  readonly traces: SeededTrace[];
  readonly spanCount: number;
  readonly logCount: number;
}

export const SEED_SERVICES = ['web', 'orders', 'fulfillment', 'payments'] as const;

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const MS = 1_000_000n;

function value(v: string | number | boolean): AnyValue {
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
  return { stringValue: v };
}
const attrs = (o: Record<string, string | number | boolean> = {}): KeyValue[] =>
  Object.entries(o).map(([key, v]) => ({ key, value: value(v) }));

/** One checkout: 10 spans over four services, a database, Kafka and Redis, and 3 logs. */
function checkout(startNs: bigint, failed: boolean, orderId: number): { spans: SeedSpan[]; logs: SeedLog[] } {
  const traceId = hex(16);
  const id = () => hex(8);
  const root = id();
  const webClient = id();
  const ordersServer = id();
  const insert = id();
  const produce = id();
  const consume = id();
  const redisSet = id();
  const payClient = id();
  const payServer = id();
  const validate = id();
  const payload = JSON.stringify({ orderId, items: [{ sku: 'SKU-1', qty: 2 }], card: '****4242' });
  const t = (ms: number) => startNs + BigInt(ms) * MS;
  const spans: SeedSpan[] = [
    {
      service: 'web',
      traceId,
      spanId: root,
      name: 'POST /checkout',
      kind: 'SERVER',
      startNs: t(0),
      durationNs: (failed ? 182n : 96n) * MS,
      ...(failed ? { error: 'payment failed' } : {}),
      attributes: {
        'http.request.method': 'POST',
        'url.path': '/checkout',
        'http.route': '/checkout',
        'http.response.status_code': failed ? 502 : 200,
        'server.address': 'web',
        'http.request.header.content-type': 'application/json',
        'http.request.header.authorization': '[REDACTED]',
        'http.request.payload': payload,
        'user_agent.original': 'traffic/1.0',
        'code.function.name': 'handleCheckout',
        'code.file.path': '/app/web/server.js',
        'code.line.number': 42,
      },
    },
    {
      service: 'web',
      traceId,
      spanId: webClient,
      parentSpanId: root,
      name: 'orders.Orders/Create',
      kind: 'CLIENT',
      startNs: t(2),
      durationNs: 30n * MS,
      attributes: {
        'rpc.system': 'grpc',
        'rpc.service': 'orders.Orders',
        'rpc.method': 'Create',
        'server.address': 'orders',
      },
    },
    {
      service: 'orders',
      traceId,
      spanId: ordersServer,
      parentSpanId: webClient,
      name: 'orders.Orders/Create',
      kind: 'SERVER',
      startNs: t(3),
      durationNs: 27n * MS,
      attributes: {
        'rpc.system': 'grpc',
        'rpc.grpc.status_code': 0,
        'code.function.name': 'createOrder',
        'code.file.path': '/app/orders/service.js',
        'code.line.number': 17,
      },
    },
    {
      service: 'orders',
      traceId,
      spanId: insert,
      parentSpanId: ordersServer,
      name: 'INSERT orders',
      kind: 'CLIENT',
      startNs: t(5),
      durationNs: 8n * MS,
      attributes: {
        'db.system.name': 'postgresql',
        'db.namespace': 'shop',
        'db.operation.name': 'INSERT',
        'db.query.text': 'INSERT INTO orders (id, customer, total) VALUES ($1, $2, $3)',
        'code.function.name': 'saveOrder',
        'code.file.path': '/app/orders/db.js',
        'code.line.number': 9,
      },
    },
    {
      service: 'orders',
      traceId,
      spanId: produce,
      parentSpanId: ordersServer,
      name: 'publish orders',
      kind: 'PRODUCER',
      startNs: t(15),
      durationNs: 6n * MS,
      attributes: {
        'messaging.system': 'kafka',
        'messaging.destination.name': 'orders',
        'messaging.operation.type': 'send',
        'messaging.message.payload': payload,
      },
    },
    {
      service: 'fulfillment',
      traceId,
      spanId: consume,
      parentSpanId: produce,
      name: 'process orders',
      kind: 'CONSUMER',
      startNs: t(25),
      durationNs: (failed ? 150n : 65n) * MS,
      ...(failed ? { error: 'payment failed' } : {}),
      attributes: {
        'messaging.system': 'kafka',
        'messaging.destination.name': 'orders',
        'messaging.operation.type': 'process',
        'messaging.message.payload': payload,
      },
    },
    {
      service: 'fulfillment',
      traceId,
      spanId: redisSet,
      parentSpanId: consume,
      name: 'SET',
      kind: 'CLIENT',
      startNs: t(27),
      durationNs: 1n * MS,
      attributes: { 'db.system.name': 'redis', 'db.operation.name': 'SET', 'db.query.text': 'SET order:? ?' },
    },
    {
      service: 'fulfillment',
      traceId,
      spanId: payClient,
      parentSpanId: consume,
      name: 'POST',
      kind: 'CLIENT',
      startNs: t(30),
      durationNs: (failed ? 140n : 55n) * MS,
      ...(failed ? { error: 'HTTP 503' } : {}),
      attributes: {
        'http.request.method': 'POST',
        'url.full': 'http://payments:7003/charge',
        'http.response.status_code': failed ? 503 : 200,
        'server.address': 'payments',
      },
    },
    {
      service: 'payments',
      traceId,
      spanId: payServer,
      parentSpanId: payClient,
      name: 'POST /charge',
      kind: 'SERVER',
      startNs: t(31),
      durationNs: (failed ? 137n : 52n) * MS,
      ...(failed ? { error: 'card declined' } : {}),
      attributes: {
        'http.request.method': 'POST',
        'http.route': '/charge',
        'http.response.status_code': failed ? 503 : 200,
        'http.request.payload': JSON.stringify({ orderId, amount: 42.5 }),
        'http.response.payload': failed
          ? JSON.stringify({ error: 'card declined' })
          : JSON.stringify({ ok: true }),
        'code.function.name': 'charge',
        'code.file.path': '/app/payments/routes.js',
        'code.line.number': 23,
      },
      ...(failed
        ? {
            events: [
              {
                name: 'exception',
                offsetNs: 130n * MS,
                attributes: {
                  'exception.type': 'PaymentError',
                  'exception.message': 'card declined',
                  'exception.stacktrace':
                    'PaymentError: card declined\n    at charge (/app/payments/routes.js:23:11)\n    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
                },
              },
            ],
          }
        : {}),
    },
    {
      service: 'payments',
      traceId,
      spanId: validate,
      parentSpanId: payServer,
      name: 'validate card',
      kind: 'INTERNAL',
      startNs: t(33),
      durationNs: 4n * MS,
    },
  ];
  const logs: SeedLog[] = [
    {
      service: 'web',
      traceId,
      spanId: root,
      timeNs: t(1),
      severity: 'INFO',
      body: `checkout started for order ${orderId}`,
    },
    {
      service: 'orders',
      traceId,
      spanId: ordersServer,
      timeNs: t(14),
      severity: 'INFO',
      body: `order ${orderId} saved`,
      attributes: { 'order.id': String(orderId) },
    },
    failed
      ? {
          service: 'payments',
          traceId,
          spanId: payServer,
          timeNs: t(130),
          severity: 'ERROR',
          body: `card declined for order ${orderId}`,
        }
      : {
          service: 'payments',
          traceId,
          spanId: payServer,
          timeNs: t(80),
          severity: 'INFO',
          body: `charged order ${orderId}`,
        },
  ];
  return { spans, logs };
}

/** A single trace of `count` spans in one service tree (depth up to 8), for the big-trace benchmark and tests. */
export function bigTrace(count: number, startNs: bigint): SeedSpan[] {
  const traceId = hex(16);
  const spans: SeedSpan[] = [];
  const services = ['gateway', 'catalog', 'pricing', 'inventory', 'search'];
  for (let i = 0; i < count; i++) {
    const parent = i === 0 ? undefined : spans[Math.floor((i - 1) / 4)]!;
    const depth = parent ? Number(parent.attributes?.['depth'] ?? 0) + 1 : 0;
    spans.push({
      service: services[i % services.length]!,
      traceId,
      spanId: hex(8),
      ...(parent ? { parentSpanId: parent.spanId } : {}),
      name: i === 0 ? 'GET /catalog' : `step ${i}`,
      kind: i === 0 ? 'SERVER' : 'INTERNAL',
      startNs: startNs + BigInt(i) * 10_000n,
      durationNs: BigInt(Math.max(1, count - i)) * 10_000n,
      ...(i % 997 === 13 ? { error: 'boom' } : {}),
      attributes: { depth, index: i },
    });
  }
  return spans;
}

/** An OTLP/JSON ExportTraceServiceRequest of the spans, one resource per service. */
export function tracesRequest(spans: SeedSpan[]): object {
  const byService = new Map<string, SeedSpan[]>();
  for (const s of spans) byService.set(s.service, [...(byService.get(s.service) ?? []), s]);
  return {
    resourceSpans: [...byService].map(([service, list]) => ({
      resource: {
        attributes: attrs({ 'service.name': service, 'service.version': '1.4.2', 'host.name': 'demo-host' }),
      },
      scopeSpans: [
        {
          scope: { name: '@spyglass/agent', version: '0.1.0' },
          spans: list.map((s) => ({
            traceId: s.traceId,
            spanId: s.spanId,
            ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
            name: s.name,
            kind: `SPAN_KIND_${s.kind}`,
            startTimeUnixNano: String(s.startNs),
            endTimeUnixNano: String(s.startNs + s.durationNs),
            attributes: attrs(s.attributes),
            status: s.error ? { code: 'STATUS_CODE_ERROR', message: s.error } : { code: 'STATUS_CODE_UNSET' },
            events: (s.events ?? []).map((e) => ({
              name: e.name,
              timeUnixNano: String(s.startNs + e.offsetNs),
              attributes: attrs(e.attributes),
            })),
            links: (s.links ?? []).map((l) => ({ traceId: l.traceId, spanId: l.spanId })),
          })),
        },
      ],
    })),
  };
}

function logsRequest(logs: SeedLog[]): object {
  const severityNumber = { INFO: 9, WARN: 13, ERROR: 17 } as const;
  const byService = new Map<string, SeedLog[]>();
  for (const l of logs) byService.set(l.service, [...(byService.get(l.service) ?? []), l]);
  return {
    resourceLogs: [...byService].map(([service, list]) => ({
      resource: { attributes: attrs({ 'service.name': service }) },
      scopeLogs: [
        {
          scope: { name: 'pino' },
          logRecords: list.map((l) => ({
            timeUnixNano: String(l.timeNs),
            severityText: l.severity,
            severityNumber: severityNumber[l.severity],
            body: { stringValue: l.body },
            traceId: l.traceId,
            spanId: l.spanId,
            attributes: attrs(l.attributes),
          })),
        },
      ],
    })),
  };
}

async function post(otlpHttpUrl: string, path: string, body: object): Promise<void> {
  const res = await fetch(`${otlpHttpUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`OTLP ${path} answered ${res.status}: ${await res.text()}`);
}

/**
 * Sends `count` checkouts spread over the last `spreadMs` (every `failEvery`-th fails) and
 * optionally one big trace; resolves once the gateway acknowledged them (durable).
 */
export async function seedDemoTelemetry(
  otlpHttpUrl: string,
  options: { count?: number; spreadMs?: number; failEvery?: number; bigTraceSpans?: number } = {},
): Promise<SeedResult & { bigTraceId?: string }> {
  const count = options.count ?? 40;
  const spreadMs = options.spreadMs ?? 10 * 60_000;
  const failEvery = options.failEvery ?? 5;
  const now = BigInt(Date.now()) * MS;
  const spans: SeedSpan[] = [];
  const logs: SeedLog[] = [];
  const traces: SeededTrace[] = [];
  for (let i = 0; i < count; i++) {
    const start = now - BigInt(Math.round(((count - i) / count) * spreadMs)) * MS - 2_000n * MS;
    const failed = i % failEvery === failEvery - 1;
    const one = checkout(start, failed, 1000 + i);
    spans.push(...one.spans);
    logs.push(...one.logs);
    traces.push({ traceId: one.spans[0]!.traceId, failed, spans: one.spans.length });
  }
  for (let i = 0; i < spans.length; i += 2000)
    await post(otlpHttpUrl, '/v1/traces', tracesRequest(spans.slice(i, i + 2000)));
  await post(otlpHttpUrl, '/v1/logs', logsRequest(logs));
  let bigTraceId: string | undefined;
  if (options.bigTraceSpans) {
    const big = bigTrace(options.bigTraceSpans, now - 60_000n * MS);
    bigTraceId = big[0]!.traceId;
    for (let i = 0; i < big.length; i += 5000)
      await post(otlpHttpUrl, '/v1/traces', tracesRequest(big.slice(i, i + 5000)));
  }
  return {
    traces,
    spanCount: spans.length + (options.bigTraceSpans ?? 0),
    logCount: logs.length,
    ...(bigTraceId ? { bigTraceId } : {}),
  };
}
