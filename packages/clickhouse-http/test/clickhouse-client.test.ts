import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ClickHouseError, ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { openTestStore, type TestStore } from './support/test-server.ts';

// The official Node.js client, unchanged, against the server.
let store: TestStore;
let url: string;
const clients: ClickHouseClient[] = [];

function client(options: Parameters<typeof createClient>[0] = {}): ClickHouseClient {
  const c = createClient({
    url,
    username: 'default',
    password: '',
    log: { level: ClickHouseLogLevel.OFF },
    ...options,
  });
  clients.push(c);
  return c;
}

before(async () => {
  store = await openTestStore();
  url = await store.serve();
});
after(async () => {
  for (const c of clients) await c.close();
  await store.close();
});

test('ping', async () => {
  assert.deepEqual(await client().ping(), { success: true });
});

test('query with JSONEachRow and query_params', async () => {
  const rs = await client().query({
    query:
      'SELECT id, name FROM events WHERE id IN {ids:Array(UInt64)} AND name != {skip:String} ORDER BY id',
    query_params: { ids: [1, 2], skip: "it's not this" },
    format: 'JSONEachRow',
  });
  assert.deepEqual(await rs.json(), [
    { id: 1, name: 'alpha' },
    { id: 2, name: 'beta' },
  ]);
  assert.equal(rs.response_headers['x-clickhouse-format'], 'JSONEachRow');
});

test('JSON format, clickhouse_settings and a custom query_id', async () => {
  const rs = await client().query({
    query: 'SELECT max(id) AS m FROM events',
    format: 'JSON',
    query_id: 'client-q-1',
    clickhouse_settings: { output_format_json_quote_64bit_integers: 1 },
  });
  const body = await rs.json<{ m: string }>();
  assert.deepEqual(body.data, [{ m: '18446744073709551615' }]);
  assert.equal(rs.query_id, 'client-q-1');
});

test('compressed request and response', async () => {
  const c = client({ compression: { request: true, response: true } });
  const rs = await c.query({ query: 'SELECT number FROM numbers(1000)', format: 'JSONCompactEachRow' });
  const rows = await rs.json<[number]>();
  assert.equal(rows.length, 1000);
  assert.equal(rs.response_headers['content-encoding'], 'gzip');
});

test('params sent as multipart/form-data', async () => {
  const rs = await client({ use_multipart_params: true }).query({
    query: 'SELECT {greeting:String} AS g',
    query_params: { greeting: 'hello\tworld' },
    format: 'JSONEachRow',
  });
  assert.deepEqual(await rs.json(), [{ g: 'hello\tworld' }]);
});

test('a bad query throws ClickHouseError with the code and type', async () => {
  await assert.rejects(client().query({ query: 'SELEC 1', format: 'JSONEachRow' }), (err: unknown) => {
    assert.ok(err instanceof ClickHouseError, String(err));
    assert.equal(err.code, '62');
    assert.equal(err.type, 'SYNTAX_ERROR');
    return true;
  });
  await assert.rejects(client().query({ query: 'SELECT * FROM missing_table' }), (err: unknown) => {
    assert.ok(err instanceof ClickHouseError);
    assert.equal(err.code, '60');
    assert.equal(err.type, 'UNKNOWN_TABLE');
    return true;
  });
});

test('writes through the client are refused with READONLY', async () => {
  const isReadOnly = (err: unknown) => {
    assert.ok(err instanceof ClickHouseError, String(err));
    assert.equal(err.code, '164');
    assert.equal(err.type, 'READONLY');
    return true;
  };
  const c = client();
  await assert.rejects(
    c.insert({ table: 'events', values: [{ id: 9, name: 'x', at: 0 }], format: 'JSONEachRow' }),
    isReadOnly,
  );
  await assert.rejects(c.command({ query: 'DROP TABLE events' }), isReadOnly);
  await assert.rejects(c.exec({ query: 'CREATE TABLE x (a UInt8) ENGINE = Memory' }), isReadOnly);
  const rs = await c.query({ query: 'SELECT count() AS c FROM events', format: 'JSONEachRow' });
  assert.deepEqual(await rs.json(), [{ c: 3 }]);
});
