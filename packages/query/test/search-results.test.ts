import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '@spyglass/store';
import { decodeRequest } from '@spyglass/otlp';
import { parseSearch, renderSql, type Signal } from '../src/index.ts';

/** Searches run on the real engine over seeded ClickStack tables: the rows they select are what users get. */
let store: Store;
const now = BigInt(Date.now()) * 1_000_000n;
const attr = (key: string, v: string | number) => ({
  key,
  value: typeof v === 'number' ? { intValue: String(v) } : { stringValue: v },
});

const SPANS = [
  {
    id: '0000000000000001',
    name: 'GET /api/orders',
    service: 'web',
    ms: 120,
    attrs: [attr('http.route', '/api/orders'), attr('http.status_code', 200)],
  },
  {
    id: '0000000000000002',
    name: 'GET /api/users',
    service: 'web',
    ms: 900,
    attrs: [attr('http.route', '/api/users'), attr('http.status_code', 500)],
  },
  {
    id: '0000000000000003',
    name: 'SELECT orders',
    service: 'orders',
    ms: 40,
    attrs: [attr('db.system', 'postgresql'), attr('db.statement', 'SELECT * FROM orders WHERE id = $1')],
  },
  {
    id: '0000000000000004',
    name: 'publish order.created',
    service: 'orders',
    ms: 5,
    attrs: [attr('messaging.system', 'kafka'), attr('user.id', 'u-4242')],
  },
  {
    id: '0000000000000005',
    name: 'charge card',
    service: 'payments',
    ms: 2500,
    attrs: [attr('payment.provider', 'stripe'), attr('http.status_code', 503)],
  },
];
const LOGS = [
  {
    body: 'connection refused by upstream',
    level: 'ERROR',
    service: 'web',
    attrs: [attr('error.message', 'Failed to connect')],
  },
  { body: 'order created for user-42', level: 'INFO', service: 'orders', attrs: [attr('order.id', 'o-1')] },
  { body: 'Timeout while charging card', level: 'WARN', service: 'payments', attrs: [] },
  { body: 'debug: cache warm, 100% done', level: 'DEBUG', service: 'web', attrs: [] },
  { body: 'Échec de connexion à http://db.local:5432', level: 'ERROR', service: 'web', attrs: [] },
];

before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'spyglass-search-'));
  store = await openStore({ kind: 'embedded', path: join(dir, 'ch') });
  const traces = {
    resourceSpans: SPANS.map((s) => ({
      resource: { attributes: [attr('service.name', s.service)] },
      scopeSpans: [
        {
          spans: [
            {
              traceId: 'a'.repeat(32),
              spanId: s.id,
              name: s.name,
              kind: 2,
              startTimeUnixNano: String(now),
              endTimeUnixNano: String(now + BigInt(s.ms) * 1_000_000n),
              attributes: s.attrs,
            },
          ],
        },
      ],
    })),
  };
  const logs = {
    resourceLogs: LOGS.map((l) => ({
      resource: { attributes: [attr('service.name', l.service)] },
      scopeLogs: [
        {
          logRecords: [
            {
              timeUnixNano: String(now),
              severityText: l.level,
              body: { stringValue: l.body },
              attributes: l.attrs,
            },
          ],
        },
      ],
    })),
  };
  for (const [signal, body] of [
    ['traces', traces],
    ['logs', logs],
  ] as const) {
    const table = decodeRequest(signal, 'json', Buffer.from(JSON.stringify(body))).tables[0]!;
    const file = join(dir, `${signal}.rowbinary`);
    writeFileSync(file, table.body);
    await store.driver.insertFile({
      table: table.table,
      columns: table.columns,
      paths: [file],
      dedupToken: `seed-${signal}`,
    });
  }
});
after(async () => {
  await store.close();
});

async function search(signal: Signal, q: string): Promise<string[]> {
  const { sql, params } = renderSql(parseSearch(q), signal);
  const select = signal === 'traces' ? 'SpanId AS k FROM otel_traces' : 'Body AS k FROM otel_logs';
  const rows = await store.driver.queryRows<{ k: string }>(`SELECT ${select} WHERE ${sql} ORDER BY k`, {
    params,
  });
  return rows.map((r) => r.k);
}

const T: Array<[string, string[]]> = [
  ['orders', ['0000000000000001', '0000000000000003']], // whole token of 'GET /api/orders' and 'SELECT orders'
  ['order', ['0000000000000004']], // a whole token of 'publish order.created' only
  ['service:web', ['0000000000000001', '0000000000000002']],
  ['http.route:/api', ['0000000000000001', '0000000000000002']],
  ['http.route:/api duration:>250', ['0000000000000002']],
  ['http.status_code:>=500', ['0000000000000002', '0000000000000005']],
  ['duration:[100 TO 1000]', ['0000000000000001', '0000000000000002']],
  ['duration:{5 TO 120}', ['0000000000000003']],
  ['db.system:"postgresql"', ['0000000000000003']],
  ['db.system:"postgres"', []],
  ['user.id:*42*', ['0000000000000004']],
  ['messaging.system:* OR payment.provider:*', ['0000000000000004', '0000000000000005']],
  ['-service:web', ['0000000000000003', '0000000000000004', '0000000000000005']],
  ['GET* AND NOT http.status_code:>=500', ['0000000000000001']],
  ['service.name:"orders"', ['0000000000000003', '0000000000000004']],
];
for (const [q, expected] of T) {
  test(`traces: ${q}`, async () => assert.deepEqual(await search('traces', q), expected));
}

const L: Array<[string, string[]]> = [
  ['refused', ['connection refused by upstream']],
  ['Échec', ['Échec de connexion à http://db.local:5432']], // ClickHouse lower() is ASCII-only
  ['http://db.local:5432', ['Échec de connexion à http://db.local:5432']], // a URL is a term, not field:value
  ['"refused by"', ['connection refused by upstream']],
  ['"by refused"', []],
  ['timeout', ['Timeout while charging card']],
  ['user-42', ['order created for user-42']],
  ['level:error', ['connection refused by upstream', 'Échec de connexion à http://db.local:5432']],
  ['LogAttributes.error.message:Failed', ['connection refused by upstream']],
  ['error.message:failed', ['connection refused by upstream']],
  ['100%', ['debug: cache warm, 100% done']],
  ['conn*', ['connection refused by upstream']],
  [
    '-level:debug -level:info',
    [
      'Timeout while charging card',
      'connection refused by upstream',
      'Échec de connexion à http://db.local:5432',
    ],
  ],
];
for (const [q, expected] of L) {
  test(`logs: ${q}`, async () => assert.deepEqual(await search('logs', q), expected));
}
