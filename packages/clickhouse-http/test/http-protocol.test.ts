import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { openTestStore, post, type TestStore } from './support/test-server.ts';

// curl-like requests: what ClickHouse's HTTP interface answers, header by header.
let store: TestStore;
let base: string;

before(async () => {
  store = await openTestStore();
  base = await store.serve();
});
after(async () => {
  await store.close();
});

test('GET /?query=SELECT 1 answers TabSeparated with ClickHouse headers', async () => {
  const res = await fetch(`${base}/?query=SELECT%201`);
  assert.equal(res.status, 200);
  assert.equal(await res.text(), '1\n');
  assert.equal(res.headers.get('content-type'), 'text/tab-separated-values; charset=UTF-8');
  assert.equal(res.headers.get('x-clickhouse-format'), 'TabSeparated');
  assert.match(res.headers.get('x-clickhouse-query-id') ?? '', /^[0-9a-f-]{36}$/);
  assert.ok(res.headers.get('x-clickhouse-server-display-name'));
  const summary = JSON.parse(res.headers.get('x-clickhouse-summary') ?? '{}') as Record<string, string>;
  assert.equal(summary.read_rows, '0');
  assert.equal(summary.result_bytes, '2');
});

test('/ping, /replicas_status and GET / without a query answer Ok.', async () => {
  for (const path of ['/ping', '/replicas_status', '/']) {
    const res = await fetch(`${base}${path}`);
    assert.equal(res.status, 200, path);
    assert.equal(await res.text(), 'Ok.\n', path);
  }
  const head = await fetch(`${base}/ping`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(await head.text(), '');
  const headQuery = await fetch(`${base}/?query=SELECT%201`, { method: 'HEAD' });
  assert.equal(headQuery.status, 200);
  assert.equal(headQuery.headers.get('x-clickhouse-format'), 'TabSeparated');
});

test('an unknown path is a 404, OPTIONS is a CORS preflight, PUT is refused', async () => {
  const res = await fetch(`${base}/play`);
  assert.equal(res.status, 404);
  assert.match(await res.text(), /There is no handle \/play/);
  const options = await fetch(`${base}/`, { method: 'OPTIONS' });
  assert.equal(options.status, 204);
  assert.equal(options.headers.get('access-control-allow-origin'), '*');
  const put = await fetch(`${base}/`, { method: 'PUT', body: 'SELECT 1' });
  assert.equal(put.status, 405);
  assert.equal(put.headers.get('x-clickhouse-exception-code'), '1');
});

test('POST body is the query; the URL query and the body are joined by a newline', async () => {
  const res = await post(base, 'SELECT name FROM events ORDER BY id');
  assert.equal(await res.text(), 'alpha\nbeta\nmax\n');
  const joined = await post(base, 'FROM events WHERE id = 2', { query: 'SELECT name' });
  assert.equal(await joined.text(), 'beta\n');
});

test('default_format, the X-ClickHouse-Format header and a FORMAT clause (which wins)', async () => {
  const json = await post(base, 'SELECT id, name FROM events WHERE id = 1', {
    default_format: 'JSONEachRow',
  });
  assert.equal(json.headers.get('content-type'), 'application/x-ndjson; charset=UTF-8');
  assert.equal(json.headers.get('x-clickhouse-format'), 'JSONEachRow');
  assert.deepEqual(JSON.parse(await json.text()), { id: 1, name: 'alpha' });

  const viaHeader = await post(
    base,
    'SELECT 1 AS x',
    {},
    { headers: { 'X-ClickHouse-Format': 'CSVWithNames' } },
  );
  assert.equal(viaHeader.headers.get('content-type'), 'text/csv; charset=UTF-8; header=present');
  assert.equal(await viaHeader.text(), '"x"\n1\n');

  const clause = await post(base, 'SELECT 1 AS x FORMAT json', { default_format: 'CSV' });
  assert.equal(clause.headers.get('x-clickhouse-format'), 'JSON');
  assert.equal(clause.headers.get('content-type'), 'application/json; charset=UTF-8');
  assert.deepEqual((JSON.parse(await clause.text()) as { data: unknown }).data, [{ x: 1 }]);

  const unknown = await post(base, 'SELECT 1', { default_format: 'NoSuchFormat' });
  assert.equal(unknown.status, 404);
  assert.equal(unknown.headers.get('x-clickhouse-exception-code'), '73');
});

test('param_<name> values are bound to {name:Type} placeholders', async () => {
  const res = await post(
    base,
    'SELECT {n:UInt8} + 1 AS n, {s:String} AS s, {a:Array(String)} AS a, {m:Map(String, UInt8)} AS m, {z:Nullable(String)} AS z FORMAT JSONEachRow',
    {
      param_n: '41',
      param_s: "it\\'s\\ta \\\\ test",
      param_a: "['x','y\\'z','back\\\\slash']",
      param_m: "{'k':7}",
      param_z: '\\N',
    },
  );
  assert.equal(res.status, 200, await res.clone().text());
  assert.deepEqual(JSON.parse(await res.text()), {
    n: 42,
    s: "it's\ta \\ test",
    a: ['x', "y'z", 'back\\slash'],
    m: { k: 7 },
    z: null,
  });
  const table = await post(base, 'SELECT count() FROM {t:Identifier}', { param_t: 'events' });
  assert.equal(await table.text(), '3\n');
  const missing = await post(base, 'SELECT {nope:UInt8}');
  assert.equal(missing.headers.get('x-clickhouse-exception-code'), '456');
});

test('a multipart/form-data body carries the query and param_ fields', async () => {
  const form = new FormData();
  form.set('query', 'SELECT {who:String} AS who FORMAT JSONEachRow');
  form.set('param_who', 'multipart');
  const res = await fetch(`${base}/`, { method: 'POST', body: form });
  assert.equal(res.status, 200);
  assert.deepEqual(JSON.parse(await res.text()), { who: 'multipart' });
});

test('parameters ClickHouse clients send are tolerated, and output settings are applied', async () => {
  const res = await post(base, 'SELECT id, at FROM events WHERE id = 1 FORMAT JSONEachRow', {
    query_id: 'my-query-1',
    session_id: 'abc',
    session_timeout: '60',
    compress: '1',
    wait_end_of_query: '1',
    send_progress_in_http_headers: '1',
    http_headers_progress_interval_ms: '100',
    output_format_json_quote_64bit_integers: '1',
    date_time_output_format: 'iso',
    add_http_cors_header: '1',
    user: 'grafana',
    password: 'secret',
    no_such_setting_at_all: 'x',
    readonly: '0',
    allow_ddl: '1',
  });
  assert.equal(res.status, 200, await res.clone().text());
  assert.equal(res.headers.get('x-clickhouse-query-id'), 'my-query-1');
  assert.equal(res.headers.get('access-control-allow-origin'), '*');
  assert.deepEqual(JSON.parse(await res.text()), { id: '1', at: '2024-01-01T00:00:00.000Z' });
});

test('SETTINGS in the query and in the URL are merged; the query wins', async () => {
  const res = await post(
    base,
    "SELECT getSetting('max_threads') AS t, getSetting('max_block_size') AS b SETTINGS max_threads = 3 FORMAT JSONEachRow SETTINGS max_block_size = 100",
    { max_threads: '2', max_result_rows: '10' },
  );
  assert.equal(res.status, 200, await res.clone().text());
  assert.deepEqual(JSON.parse(await res.text()), { t: 3, b: 100 });
});

test('database: the current one is accepted, an unknown one is 81, another one is refused clearly', async () => {
  const ok = await post(base, 'SELECT count() FROM events', { database: 'default' });
  assert.equal(await ok.text(), '3\n');
  const unknown = await post(base, 'SELECT 1', { database: 'nope' });
  assert.equal(unknown.status, 404);
  assert.equal(unknown.headers.get('x-clickhouse-exception-code'), '81');
  const other = await post(base, 'SELECT 1', {}, { headers: { 'X-ClickHouse-Database': 'system' } });
  assert.equal(other.headers.get('x-clickhouse-exception-code'), '48');
  assert.match(await other.text(), /qualify table names/);
});

test('basic auth and X-ClickHouse-User/Key are accepted whatever they say', async () => {
  const res = await post(
    base,
    'SELECT 1',
    {},
    {
      headers: {
        Authorization: `Basic ${Buffer.from('someone:wrong').toString('base64')}`,
        'X-ClickHouse-User': 'other',
        'X-ClickHouse-Key': 'key',
      },
    },
  );
  assert.equal(res.status, 200);
});

test('errors: ClickHouse text body, exception code header, status by code', async () => {
  const syntax = await post(base, 'SELEC 1');
  assert.equal(syntax.status, 400);
  assert.equal(syntax.headers.get('x-clickhouse-exception-code'), '62');
  assert.equal(syntax.headers.get('content-type'), 'text/plain; charset=UTF-8');
  assert.match(
    await syntax.text(),
    /^Code: 62\. DB::Exception: Syntax error.*\(SYNTAX_ERROR\) \(version [\d.]+\)\n$/s,
  );

  const table = await post(base, 'SELECT * FROM no_such_table');
  assert.equal(table.status, 404);
  assert.match(
    await table.text(),
    /^Code: 60\. DB::Exception: .*no_such_table.*\(UNKNOWN_TABLE\) \(version /s,
  );

  const empty = await post(base, '');
  assert.equal(empty.status, 400);
  assert.match(await empty.text(), /^Code: 62\. DB::Exception: Empty query\. \(SYNTAX_ERROR\)/);

  const runtime = await post(base, "SELECT throwIf(1, 'boom')");
  assert.equal(runtime.status, 500);
  assert.equal(runtime.headers.get('x-clickhouse-exception-code'), '395');
  assert.match(await runtime.text(), /boom.*\(FUNCTION_THROW_IF_VALUE_IS_NON_ZERO\)/s);
});
