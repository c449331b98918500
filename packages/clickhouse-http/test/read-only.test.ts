import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openTestStore, post, type TestStore } from './support/test-server.ts';

// The read-only rule: only reads run, nothing reaches outside the store.
let store: TestStore;
let base: string;
let writable: string;
const secretDir = mkdtempSync(join(tmpdir(), 'spyglass-ch-secret-'));
const secretFile = join(secretDir, 'secret.csv');
writeFileSync(secretFile, 'header_secret,b\ncell_secret,2\n');

before(async () => {
  store = await openTestStore();
  base = await store.serve();
  writable = await store.serve({ readOnly: false });
});
after(async () => {
  await store.close();
  rmSync(secretDir, { recursive: true, force: true });
});

async function assertRefused(sql: string, code: number, status: number, url = base): Promise<string> {
  const res = await post(url, sql);
  const text = await res.text();
  assert.equal(res.status, status, `${sql} -> ${text}`);
  assert.equal(res.headers.get('x-clickhouse-exception-code'), String(code), `${sql} -> ${text}`);
  assert.match(text, new RegExp(`^Code: ${code}\\. DB::Exception: `));
  assert.doesNotMatch(text, /secret/);
  return text;
}

async function count(): Promise<number> {
  const rows = await store.driver.queryRows<{ c: string }>('SELECT count() AS c FROM events');
  return Number(rows[0]?.c);
}

test('writes and DDL are refused with 164 READONLY / 403', async () => {
  for (const sql of [
    "INSERT INTO events VALUES (7, 'x', now())",
    'INSERT INTO events FORMAT JSONEachRow {"id":7}',
    'CREATE TABLE t2 (a UInt8) ENGINE = Memory',
    'DROP TABLE events',
    'TRUNCATE TABLE events',
    'ALTER TABLE events DELETE WHERE 1',
    'OPTIMIZE TABLE events FINAL',
    'RENAME TABLE events TO e2',
    'SET readonly = 0',
    'USE system',
    'SYSTEM FLUSH LOGS',
    'KILL QUERY WHERE 1',
    'CREATE DATABASE other',
  ]) {
    const text = await assertRefused(sql, 164, 403);
    assert.match(text, /\(READONLY\)/);
  }
  assert.equal(await count(), 3);
  const tables = await store.driver.queryRows<{ name: string }>('SHOW TABLES');
  assert.deepEqual(
    tables.map((t) => t.name),
    ['events'],
  );
});

test('several statements in one request are refused, and none of them runs', async () => {
  for (const sql of [
    'SELECT 1; DROP TABLE events',
    'SELECT 1;SELECT 2',
    "SELECT 1; INSERT INTO events VALUES (8, 'y', now())",
  ]) {
    const text = await assertRefused(sql, 62, 400);
    assert.match(text, /Multi-statements are not allowed/);
  }
  assert.equal(await count(), 3);
});

test('files, URLs and other servers are out of reach', async () => {
  for (const sql of [
    "SELECT * FROM file('/etc/passwd')",
    `SELECT * FROM file('${secretFile}', 'CSVWithNames')`,
    `SELECT file('${secretFile}')`,
    `SELECT \`file\`('${secretFile}')`,
    `DESCRIBE TABLE file('${secretFile}', 'CSVWithNames')`,
    `DESC (SELECT * FROM file('${secretFile}', 'CSVWithNames'))`,
    `SELECT * FROM (SELECT * FROM file('${secretFile}') SETTINGS readonly = 0)`,
    "SELECT * FROM url('http://127.0.0.1:9/', 'LineAsString')",
    "SELECT * FROM s3('http://127.0.0.1:9/b/k.csv')",
    "SELECT * FROM remote('127.0.0.1:9', system.one)",
    "SELECT * FROM executable('ls', 'TSV', 'x String')",
    "SELECT * FROM filesystem('/etc')",
    "SELECT * FROM eval('SELECT 1') SETTINGS allow_experimental_eval_table_function = 1",
    "SELECT * FROM icebergLocal('/tmp')",
  ]) {
    await assertRefused(sql, 164, 403);
  }
});

test('readonly cannot be lifted from inside the query', async () => {
  for (const sql of [
    'SELECT 1 SETTINGS readonly = 0',
    'SELECT 1 FORMAT JSON SETTINGS readonly = 2',
    'SELECT * FROM (SELECT 1 SETTINGS readonly = 0)',
    'SELECT * FROM (SELECT 1 SETTINGS `readonly` = 0)',
    "SELECT 1 SETTINGS profile = 'default'",
    'SELECT 1 SETTINGS readonly = DEFAULT',
    "SELECT 1 SETTINGS dialect = 'kusto'",
    'SELECT 1 SETTINGS allow_introspection_functions = 1',
    `SELECT 1 FORMAT Template SETTINGS format_template_resultset = '${secretFile}'`,
    `SELECT 1 AS x FORMAT Protobuf SETTINGS format_schema = '${secretFile}:Msg'`,
    `SELECT 1 AS x FORMAT Protobuf SETTINGS output_format_schema = '${join(secretDir, 'written.proto')}'`,
  ]) {
    const text = await assertRefused(sql, 164, 403);
    assert.match(text, /Cannot modify '.+' setting in readonly mode/);
  }
  const res = await post(base, "SELECT getSetting('readonly')", { readonly: '0' });
  assert.equal(await res.text(), '1\n');
  const viaUrl = await post(base, 'SELECT 1 AS x FORMAT Protobuf', {
    output_format_schema: join(secretDir, 'written2.proto'),
  });
  await viaUrl.text();
  assert.equal(existsSync(join(secretDir, 'written.proto')), false);
  assert.equal(existsSync(join(secretDir, 'written2.proto')), false);
});

test('a comment cannot hide the appended readonly setting', async () => {
  const res = await post(base, "SELECT getSetting('readonly') -- trailing comment");
  assert.equal(await res.text(), '1\n');
  const hash = await post(base, "SELECT getSetting('readonly') # comment");
  assert.equal(await hash.text(), '1\n');
  await assertRefused("SELECT * FROM file('/etc/passwd') -- ", 164, 403);
});

test('INTO OUTFILE is never allowed', async () => {
  const target = join(secretDir, 'out.tsv');
  await assertRefused(`SELECT 1 INTO OUTFILE '${target}'`, 358, 500);
  await assertRefused(`SELECT 1 INTO OUTFILE '${target}'`, 358, 500, writable);
  assert.equal(existsSync(target), false);
});

test('reads of every allowed kind work', async () => {
  for (const [sql, expected] of [
    ['SELECT 1', '1\n'],
    ['(SELECT 2)', '2\n'],
    ['WITH 3 AS x SELECT x', '3\n'],
    ['FROM events SELECT count()', '3\n'],
    ['SHOW TABLES', 'events\n'],
    ['EXISTS TABLE events', '1\n'],
    ['DESC events', 'id\tUInt64\t\t\t\t\t\nname\tString\t\t\t\t\t\nat\tDateTime64(3)\t\t\t\t\t\n'],
    ['SELECT 1 UNION ALL SELECT 2 ORDER BY 1', '1\n2\n'],
    ["SELECT 'a;b' /* ; */", 'a;b\n'],
    ['SELECT 1;', '1\n'],
    ['select count() from events settings max_threads = 1', '3\n'],
  ] as const) {
    const res = await post(base, sql);
    assert.equal(await res.text(), expected, sql);
  }
  const explain = await post(base, 'EXPLAIN SYNTAX SELECT 1');
  assert.equal(explain.status, 200);
});

test('a bare expression is not a query (no implicit SELECT)', async () => {
  await assertRefused('garbage', 62, 400);
  await assertRefused('1 + 1', 62, 400);
});

test('GET is read-only even when the server allows writes; POST then can write', async () => {
  const get = await fetch(
    `${writable}/?query=${encodeURIComponent("INSERT INTO events VALUES (5, 'five', now())")}`,
  );
  assert.equal(get.status, 403);
  assert.match(await get.text(), /method GET implies readonly/);
  assert.equal(await count(), 3);
  const readonlyParam = await post(writable, "INSERT INTO events VALUES (5, 'five', now())", {
    readonly: '1',
  });
  assert.equal(readonlyParam.status, 403);

  const postRes = await post(writable, "INSERT INTO events VALUES (5, 'five', now())");
  assert.equal(postRes.status, 200, await postRes.clone().text());
  assert.equal(await count(), 4);
  const del = await post(writable, 'DELETE FROM events WHERE id = 5');
  assert.equal(del.status, 200, await del.clone().text());
  assert.equal(await count(), 3);
  const multi = await post(writable, 'SELECT 1; DROP TABLE events');
  assert.equal(multi.status, 400);
  assert.equal(await count(), 3);
});

test('SET and USE are refused even when writes are allowed: the engine session is shared', async () => {
  for (const sql of ['SET max_threads = 1', 'USE system']) {
    const res = await post(writable, sql);
    assert.equal(res.status, 501, sql);
    assert.equal(res.headers.get('x-clickhouse-exception-code'), '48');
    await res.text();
  }
  const db = await store.driver.queryRows<{ d: string }>('SELECT currentDatabase() AS d');
  assert.equal(db[0]?.d, 'default');
});
