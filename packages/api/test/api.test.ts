import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { openStore, type Store } from '@spyglass/store';
import { decodeRequest } from '@spyglass/otlp';
import { registerApi } from '../src/index.ts';

/** The API in-process (Fastify inject) over a real embedded store seeded with a small system. */
let store: Store;
let app: FastifyInstance;
const NOW = Date.now();
const nanos = (ms: number) => String(BigInt(Math.round(ms)) * 1_000_000n);
const str = (key: string, v: string) => ({ key, value: { stringValue: v } });
const TRACE = 'aa'.repeat(16);
const OTHER_TRACE = 'bb'.repeat(16);

function span(o: {
  id: string;
  parent?: string;
  trace?: string;
  name: string;
  kind: number;
  startMs: number;
  ms: number;
  error?: boolean;
  attrs?: object[];
  links?: object[];
}) {
  return {
    traceId: o.trace ?? TRACE,
    spanId: o.id,
    ...(o.parent ? { parentSpanId: o.parent } : {}),
    name: o.name,
    kind: o.kind,
    startTimeUnixNano: nanos(NOW - 60_000 + o.startMs),
    endTimeUnixNano: nanos(NOW - 60_000 + o.startMs + o.ms),
    attributes: o.attrs ?? [],
    links: o.links ?? [],
    ...(o.error ? { status: { code: 2, message: 'failed' } } : {}),
  };
}
const service = (name: string, spans: object[]) => ({
  resource: { attributes: [str('service.name', name)] },
  scopeSpans: [{ spans }],
});

before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'spyglass-api-'));
  store = await openStore({ kind: 'embedded', path: join(dir, 'ch') });
  const traces = {
    resourceSpans: [
      service('web', [
        span({ id: '1000000000000001', name: 'GET /checkout', kind: 2, startMs: 0, ms: 300 }),
        span({
          id: '1000000000000002',
          parent: '1000000000000001',
          name: 'grpc orders.Create',
          kind: 3,
          startMs: 10,
          ms: 250,
        }),
        span({
          id: '1000000000000009',
          trace: OTHER_TRACE,
          name: 'GET /health',
          kind: 2,
          startMs: 500,
          ms: 2,
          attrs: [str('SampleRate', '10')],
        }),
      ]),
      service('orders', [
        span({
          id: '2000000000000001',
          parent: '1000000000000002',
          name: 'orders.Create',
          kind: 2,
          startMs: 20,
          ms: 200,
          error: true,
        }),
        span({
          id: '2000000000000002',
          parent: '2000000000000001',
          name: 'INSERT orders',
          kind: 3,
          startMs: 30,
          ms: 40,
          attrs: [str('db.system', 'postgresql')],
        }),
        span({
          id: '2000000000000003',
          parent: '2000000000000001',
          name: 'orders publish',
          kind: 4,
          startMs: 80,
          ms: 5,
          attrs: [str('messaging.system', 'kafka')],
        }),
      ]),
      service('fulfillment', [
        span({
          id: '3000000000000001',
          parent: '2000000000000003',
          name: 'orders process',
          kind: 5,
          startMs: 100,
          ms: 50,
          attrs: [str('messaging.system', 'kafka')],
          links: [{ traceId: TRACE, spanId: '2000000000000003' }],
        }),
      ]),
    ],
  };
  const logs = {
    resourceLogs: [
      {
        resource: { attributes: [str('service.name', 'orders')] },
        scopeLogs: [
          {
            logRecords: [
              {
                timeUnixNano: nanos(NOW - 59_950),
                severityText: 'ERROR',
                body: { stringValue: 'insert failed: duplicate key' },
                traceId: TRACE,
                spanId: '2000000000000001',
              },
            ],
          },
        ],
      },
    ],
  };
  for (const [signal, body] of [
    ['traces', traces],
    ['logs', logs],
  ] as const) {
    const t = decodeRequest(signal, 'json', Buffer.from(JSON.stringify(body))).tables[0]!;
    const file = join(dir, `${signal}.rowbinary`);
    writeFileSync(file, t.body);
    await store.driver.insertFile({
      table: t.table,
      columns: t.columns,
      paths: [file],
      dedupToken: `seed-${signal}`,
    });
  }
  app = Fastify();
  await registerApi(app, { driver: store.driver });
});
after(async () => {
  await app.close();
  await store.close();
});

const range = () => ({ from: new Date(NOW - 3_600_000).toISOString(), to: NOW + 60_000 });
const post = (url: string, payload: object) => app.inject({ method: 'POST', url, payload });

test("search: rows in the tables' vocabulary, with the explanation", async () => {
  const r = await post('/api/v1/search', { signal: 'traces', query: 'service:orders', ...range() });
  assert.equal(r.statusCode, 200);
  const body = r.json();
  assert.deepEqual(body.rows.map((x: { SpanName: string }) => x.SpanName).sort(), [
    'INSERT orders',
    'orders publish',
    'orders.Create',
  ]);
  assert.ok('ServiceName' in body.rows[0] && 'SpanAttributes' in body.rows[0] && 'Duration' in body.rows[0]);
  assert.equal(body.explanation, 'service contains orders');
  assert.match(
    String(body.rows[0].Timestamp),
    /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/,
    'ISO-8601 UTC with nanoseconds',
  );
});

test('search: cursor pagination returns every row exactly once, newest first', async () => {
  const seen: string[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 10; page++) {
    const r = await post('/api/v1/search', {
      signal: 'traces',
      ...range(),
      limit: 2,
      ...(cursor ? { cursor } : {}),
    });
    assert.equal(r.statusCode, 200);
    const body = r.json();
    seen.push(...body.rows.map((x: { SpanId: string }) => x.SpanId));
    cursor = body.nextCursor;
    if (!cursor) break;
  }
  assert.equal(seen.length, 7, 'the seven spans');
  assert.equal(new Set(seen).size, 7);
});

test('search: a syntax error is a 400 with the position and what was expected', async () => {
  const r = await post('/api/v1/search', { signal: 'logs', query: 'level:', ...range() });
  assert.equal(r.statusCode, 400);
  const { error } = r.json();
  assert.equal(error.code, 'SEARCH_SYNTAX');
  assert.equal(error.details.column, 6);
  assert.match(error.message, /expected a value after ':'/);
});

test('search: unknown fields are attribute keys, not errors', async () => {
  const r = await post('/api/v1/search', { signal: 'logs', query: 'no.such.field:x', ...range() });
  assert.equal(r.statusCode, 200);
  assert.deepEqual(r.json().rows, []);
});

test('search: raw SQL conditions run read-only', async () => {
  const ok = await post('/api/v1/search', {
    signal: 'traces',
    language: 'sql',
    query: "ServiceName = 'fulfillment'",
    ...range(),
  });
  assert.equal(ok.statusCode, 200);
  assert.equal(ok.json().rows.length, 1);
  const escape = await post('/api/v1/search', {
    signal: 'traces',
    language: 'sql',
    query: "1) UNION ALL SELECT * FROM file('/etc/passwd') --",
    ...range(),
  });
  assert.ok([400, 403].includes(escape.statusCode), `refused (${escape.statusCode})`);
  assert.doesNotMatch(escape.body, /root:/);
});

test('histogram: buckets that add up to the matching rows, split by a field', async () => {
  const r = await post('/api/v1/histogram', { signal: 'traces', query: '', ...range() });
  assert.equal(r.statusCode, 200);
  const total = r.json().buckets.reduce((n: number, b: { count: number }) => n + b.count, 0);
  assert.equal(total, 6 + 10, 'weighted by SampleRate (one of the seven spans stands for 10)');
  const split = await post('/api/v1/histogram', {
    signal: 'traces',
    query: '',
    splitBy: 'service',
    ...range(),
  });
  const series = new Set(split.json().buckets.map((b: { series: string }) => b.series));
  assert.deepEqual([...series].sort(), ['fulfillment', 'orders', 'web']);
});

test('trace by id: every span and the correlated logs; 404 and 400 otherwise', async () => {
  const r = await app.inject(`/api/v1/traces/${TRACE.toUpperCase()}`);
  assert.equal(r.statusCode, 200);
  const body = r.json();
  assert.equal(body.spans.length, 6);
  assert.deepEqual(
    body.logs.map((l: { Body: string }) => l.Body),
    ['insert failed: duplicate key'],
  );
  assert.equal((await app.inject(`/api/v1/traces/${'cd'.repeat(16)}`)).statusCode, 404);
  const bad = await app.inject(`/api/v1/traces/not-a-trace-id`);
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().error.code, 'BAD_TRACE_ID');
});

test('services: RED per service, weighted by SampleRate', async () => {
  const r = await app.inject({
    url: '/api/v1/services',
    query: { from: String(NOW - 3_600_000), to: String(NOW + 60_000) },
  });
  assert.equal(r.statusCode, 200);
  const byName = new Map(r.json().services.map((s: { name: string }) => [s.name, s]));
  const web = byName.get('web') as { requests: number; errorRate: number; p99Ms: number; series: unknown[] };
  assert.equal(web.requests, 11, 'GET /checkout + GET /health standing for 10');
  const orders = byName.get('orders') as { requests: number; errorRate: number };
  assert.equal(orders.requests, 1);
  assert.equal(orders.errorRate, 1);
  assert.ok(web.series.length >= 1);
  const ops = await app.inject({
    url: '/api/v1/services/web/operations',
    query: { from: String(NOW - 3_600_000), to: String(NOW + 60_000) },
  });
  assert.deepEqual(
    ops
      .json()
      .operations.map((o: { name: string }) => o.name)
      .sort(),
    ['GET /checkout', 'GET /health'],
  );
});

test('service map: services, databases and brokers, from parent/child spans and links', async () => {
  const r = await app.inject({
    url: '/api/v1/service-map',
    query: { from: String(NOW - 3_600_000), to: String(NOW + 60_000) },
  });
  assert.equal(r.statusCode, 200);
  const { nodes, edges } = r.json();
  const edge = (s: string, t: string) =>
    edges.find((e: { source: string; target: string }) => e.source === s && e.target === t);
  assert.ok(edge('web', 'orders'), 'client to server across services');
  assert.equal(edge('web', 'orders').errors, 1);
  assert.ok(edge('orders', 'postgresql'), 'database node');
  assert.ok(edge('orders', 'kafka'), 'broker node from the producer');
  assert.ok(edge('kafka', 'fulfillment'), 'consumer side of the broker');
  assert.ok(edge('orders', 'fulfillment'), 'parent/child and span link to the producer');
  const kinds = new Map(nodes.map((n: { id: string; kind: string }) => [n.id, n.kind]));
  assert.equal(kinds.get('postgresql'), 'database');
  assert.equal(kinds.get('kafka'), 'broker');
});

test('fields and their values', async () => {
  const q = { signal: 'traces', from: String(NOW - 3_600_000), to: String(NOW + 60_000) };
  const fields = await app.inject({ url: '/api/v1/fields', query: q });
  const names = fields.json().fields.map((f: { name: string }) => f.name);
  assert.ok(names.includes('db.system') && names.includes('service.name'));
  const values = await app.inject({ url: '/api/v1/fields/messaging.system/values', query: q });
  assert.deepEqual(values.json().values, [{ value: 'kafka', count: 2 }]);
});

test('sql: reads work; writes and files are 403', async () => {
  const ok = await post('/api/v1/sql', {
    sql: 'SELECT ServiceName, count() AS n FROM otel_traces GROUP BY ServiceName ORDER BY ServiceName',
  });
  assert.equal(ok.statusCode, 200);
  assert.equal(ok.json().rows.length, 3);
  assert.deepEqual(ok.json().columns, [
    { name: 'ServiceName', type: 'LowCardinality(String)' },
    { name: 'n', type: 'UInt64' },
  ]);
  assert.equal(typeof ok.json().rows[0].ServiceName, 'string');
  // Its own FORMAT clause: the output comes back as text.
  const csv = (await post('/api/v1/sql', { sql: 'SELECT 1 AS a, 2 AS b FORMAT CSV' })).json();
  assert.equal(csv.text.trim(), '1,2');
  const schema = await app.inject({ method: 'GET', url: '/api/v1/schema' });
  const traces = schema.json().tables.find((t: { name: string }) => t.name === 'otel_traces');
  assert.ok(
    traces.columns.some(
      (c: { name: string; type: string }) => c.name === 'SpanAttributes' && c.type.startsWith('Map'),
    ),
  );
  for (const sql of [
    'DROP TABLE otel_traces',
    "INSERT INTO otel_logs (Body) VALUES ('x')",
    "SELECT * FROM file('/etc/passwd', 'LineAsString')",
    'SELECT 1; DROP TABLE otel_traces',
  ]) {
    const r = await post('/api/v1/sql', { sql });
    assert.ok([400, 403].includes(r.statusCode), `${sql} refused (${r.statusCode})`);
  }
  assert.equal(
    (await post('/api/v1/sql', { sql: 'DROP TABLE otel_traces' })).json().error.code,
    'FORBIDDEN_SQL',
  );
  const count = await store.driver.queryRows<{ n: number }>('SELECT count() AS n FROM otel_traces');
  assert.equal(Number(count[0]?.n), 7, 'nothing was changed');
});

test('injection through every parameter is inert: typed parameters only, never a 500', async () => {
  const hostile = [
    "'",
    "\\'; DROP TABLE otel_traces; --",
    "x') OR 1=1 --",
    '{p0:String}',
    "' UNION SELECT * FROM system.tables --",
    '`',
    '\u0000',
  ];
  for (const h of hostile) {
    const responses = [
      await post('/api/v1/search', {
        signal: 'traces',
        query: `service:"${h.replace(/"/g, '')}"`,
        ...range(),
      }),
      await post('/api/v1/search', { signal: 'traces', query: h, ...range() }),
      await post('/api/v1/search', { signal: 'traces', query: '', from: h, to: h }),
      await post('/api/v1/search', { signal: 'traces', query: '', ...range(), cursor: h }),
      await post('/api/v1/histogram', { signal: 'logs', query: '', splitBy: h, ...range() }),
      await app.inject(`/api/v1/traces/${encodeURIComponent(h)}`),
      await app.inject({ url: `/api/v1/services/${encodeURIComponent(h)}/operations`, query: { from: h } }),
      await app.inject({ url: `/api/v1/services/${encodeURIComponent(h)}/operations` }),
      await app.inject({ url: '/api/v1/service-map', query: { to: h } }),
      await app.inject({ url: `/api/v1/fields/${encodeURIComponent(h)}/values` }),
      await app.inject({ url: '/api/v1/fields', query: { signal: h } }),
      await post('/api/v1/search', { signal: h, query: '', ...range() }),
    ];
    for (const r of responses)
      assert.ok(r.statusCode < 500, `${r.statusCode} for ${JSON.stringify(h)}: ${r.body.slice(0, 200)}`);
  }
  const count = await store.driver.queryRows<{ n: number }>('SELECT count() AS n FROM otel_traces');
  assert.equal(Number(count[0]?.n), 7, 'the data is intact');
});

test('bad requests say what was wrong', async () => {
  const r = await post('/api/v1/search', {
    signal: 'metrics',
    query: 1,
    from: 'yesterday-ish',
    to: NOW,
    limit: 100000,
    extra: true,
  });
  assert.equal(r.statusCode, 400);
  const { error } = r.json();
  assert.equal(error.code, 'BAD_REQUEST');
  for (const path of ['signal', 'query', 'limit'])
    assert.ok(
      error.details.problems.some((p: string) => p.startsWith(path)),
      path,
    );
  const reversed = await post('/api/v1/search', { signal: 'logs', from: NOW, to: NOW - 1000 });
  assert.equal(reversed.json().error.code, 'BAD_RANGE');
  const wide = await post('/api/v1/search', { signal: 'logs', from: 0, to: NOW });
  assert.equal(wide.statusCode, 200);
  assert.match(wide.json().notice, /narrowed/);
});

test('the OpenAPI document describes every endpoint', async () => {
  const doc = (await app.inject('/api/openapi.json')).json();
  assert.equal(doc.openapi, '3.0.3');
  for (const path of [
    '/api/v1/search',
    '/api/v1/histogram',
    '/api/v1/traces/{traceId}',
    '/api/v1/services',
    '/api/v1/service-map',
    '/api/v1/fields',
    '/api/v1/sql',
    '/api/v1/schema',
    '/api/v1/saved-searches',
    '/api/v1/saved-searches/{name}',
  ]) {
    assert.ok(doc.paths[path], path);
  }
  assert.ok(
    doc.paths['/api/v1/search'].post.requestBody.content['application/json'].schema.properties.signal,
  );
});

test('saved searches: save, replace by name, list in order, delete, shared by every client', async () => {
  const put = (name: string, body: object) =>
    app.inject({ method: 'PUT', url: `/api/v1/saved-searches/${encodeURIComponent(name)}`, payload: body });
  const list = async () => (await app.inject('/api/v1/saved-searches')).json().savedSearches;
  assert.equal(
    (await put('slow checkouts', { signal: 'traces', query: 'duration:>500', from: 'now-1h', to: 'now' }))
      .statusCode,
    200,
  );
  assert.equal(
    (await put("errors'); DROP TABLE otel_traces; --", { signal: 'logs', query: 'level:error' })).statusCode,
    200,
  );
  assert.equal(
    (
      await put('slow checkouts', {
        signal: 'traces',
        query: 'duration:>1000',
        columns: 'Timestamp,http.route',
      })
    ).statusCode,
    200,
  );
  const saved = await list();
  assert.deepEqual(
    saved.map((s: { name: string; query: string }) => [s.name, s.query]),
    [
      ["errors'); DROP TABLE otel_traces; --", 'level:error'],
      ['slow checkouts', 'duration:>1000'],
    ],
  );
  assert.equal(saved[1].columns, 'Timestamp,http.route');
  assert.equal(saved[0].language, 'lucene', 'defaults filled in');
  // Bad input: a clear 400, nothing stored.
  const bad = await put('x', { signal: 'metrics', query: 1 });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.json().error.message, /signal/);
  assert.equal(
    (await put('y', { signal: 'traces', extra: true })).statusCode,
    400,
    'unknown keys are errors',
  );
  // Delete, and deleting again is a 404.
  const del = await app.inject({
    method: 'DELETE',
    url: `/api/v1/saved-searches/${encodeURIComponent('slow checkouts')}`,
  });
  assert.equal(del.statusCode, 204);
  assert.equal(
    (await app.inject({ method: 'DELETE', url: '/api/v1/saved-searches/slow%20checkouts' })).statusCode,
    404,
  );
  assert.deepEqual(
    (await list()).map((s: { name: string }) => s.name),
    ["errors'); DROP TABLE otel_traces; --"],
  );
  const [traces] = await store.driver.queryRows<{ n: number }>('SELECT count() AS n FROM otel_traces');
  assert.equal(Number(traces?.n), 7, 'the hostile name changed nothing');
});
