import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { brotliCompressSync, deflateSync, gunzipSync, gzipSync } from 'node:zlib';
import { openTestStore, post, type TestStore } from './support/test-server.ts';

// Body limits, compression both ways, and input that must never crash the server.
let store: TestStore;
let base: string;
const LIMIT = 64 * 1024;

before(async () => {
  store = await openTestStore();
  base = await store.serve({ maxBodyBytes: LIMIT });
});
after(async () => {
  await store.close();
});

async function assertAlive(): Promise<void> {
  const res = await fetch(`${base}/?query=SELECT%2042`);
  assert.equal(await res.text(), '42\n');
}

test('a body over the limit is a 413 with QUERY_IS_TOO_LARGE', async () => {
  const big = `SELECT '${'x'.repeat(LIMIT)}'`;
  const res = await post(base, big);
  assert.equal(res.status, 413);
  assert.equal(res.headers.get('x-clickhouse-exception-code'), '229');
  assert.match(await res.text(), /^Code: 229\. DB::Exception: .*\(QUERY_IS_TOO_LARGE\)/);

  // Without Content-Length (chunked), the limit applies while reading.
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < 8; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(16 * 1024)));
      controller.close();
    },
  });
  const chunked = await fetch(`${base}/`, { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
  assert.equal(chunked.status, 413);
  await chunked.text();
  await assertAlive();
});

test('a gzip body that inflates past the limit is a 413 too', async () => {
  const bomb = gzipSync(Buffer.from(`SELECT '${'a'.repeat(LIMIT * 4)}'`));
  assert.ok(bomb.length < LIMIT);
  const res = await post(base, '', {}, { body: bomb, headers: { 'Content-Encoding': 'gzip' } });
  assert.equal(res.status, 413);
  await res.text();
  await assertAlive();
});

test('compressed request bodies: gzip, deflate, br; others are refused', async () => {
  for (const [encoding, body] of [
    ['gzip', gzipSync('SELECT 1 + 1')],
    ['deflate', deflateSync('SELECT 1 + 1')],
    ['br', brotliCompressSync('SELECT 1 + 1')],
  ] as const) {
    const res = await post(base, '', {}, { body, headers: { 'Content-Encoding': encoding } });
    assert.equal(await res.text(), '2\n', encoding);
  }
  const bad = await post(
    base,
    '',
    {},
    { body: Buffer.from('not gzip at all'), headers: { 'Content-Encoding': 'gzip' } },
  );
  assert.equal(bad.headers.get('x-clickhouse-exception-code'), '354');
  await bad.text();
  const unknown = await post(base, 'SELECT 1', {}, { headers: { 'Content-Encoding': 'zstd' } });
  assert.equal(unknown.headers.get('x-clickhouse-exception-code'), '89');
  await unknown.text();
});

test('gzip response only with enable_http_compression=1 and Accept-Encoding: gzip', async () => {
  const raw = (params: string, acceptEncoding: string) =>
    new Promise<{ head: string; body: Buffer }>((resolve, reject) => {
      const socket = connect(Number(new URL(base).port), '127.0.0.1');
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('end', () => {
        const all = Buffer.concat(chunks);
        const split = all.indexOf('\r\n\r\n');
        resolve({ head: all.subarray(0, split).toString(), body: all.subarray(split + 4) });
      });
      socket.on('error', reject);
      socket.write(
        `GET /?${params}&query=SELECT%20number%20FROM%20numbers(3) HTTP/1.1\r\nHost: x\r\n` +
          `Accept-Encoding: ${acceptEncoding}\r\nConnection: close\r\n\r\n`,
      );
    });
  const zipped = await raw('enable_http_compression=1', 'gzip, deflate');
  assert.match(zipped.head, /\r\ncontent-encoding: gzip\r\n/i);
  assert.equal(gunzipSync(zipped.body).toString(), '0\n1\n2\n');
  const plain = await raw('enable_http_compression=0', 'gzip');
  assert.doesNotMatch(plain.head, /content-encoding/i);
  assert.equal(plain.body.toString(), '0\n1\n2\n');
});

test('garbage never crashes the server', async () => {
  const bodies: Array<string | Buffer> = [
    Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x80, 0x81]),
    "SELECT '\u0000'",
    '\u{1F600}'.repeat(1000),
    ')))(((',
    "SELECT '",
    'SELECT /* unterminated',
    'SELECT 1 FORMAT',
    'SELECT 1 SETTINGS',
    'SELECT {x:UInt8',
    '{}',
    "SELECT 1 FORMAT JSON SETTINGS max_threads = 'lots'",
    'SELECT ' + '('.repeat(5000) + '1' + ')'.repeat(5000),
    'SELECT ' + Array.from({ length: 20000 }, (_, i) => `${i}`).join('+'),
  ];
  for (const body of bodies) {
    const res = await post(base, '', {}, { body });
    const text = await res.text();
    assert.ok(res.status >= 200 && res.status < 600, `status ${res.status} for ${String(body).slice(0, 40)}`);
    if (res.status !== 200) assert.match(text, /^Code: \d+\. DB::Exception: /);
  }
  const nul = await post(base, 'SELECT 1\0; DROP TABLE events');
  assert.equal(nul.status, 400);
  await nul.text();
  for (const query of ['%', '%zz', 'SELECT%201%3B%20SELECT%202']) {
    const res = await fetch(`${base}/?query=${query}`);
    assert.ok(res.status >= 200 && res.status < 600);
    await res.text();
  }
  const weird = await fetch(`${base}/?param_=1&param_x&default_format=&database=&query=SELECT%201`);
  assert.equal(await weird.text(), '1\n');
  assert.equal(await store.driver.queryRows('SELECT 1 FROM events').then((r) => r.length), 3);
  await assertAlive();
});

test('malformed HTTP gets a 400 and the server carries on', async () => {
  const reply = await new Promise<string>((resolve, reject) => {
    const socket = connect(Number(new URL(base).port), '127.0.0.1');
    let text = '';
    socket.on('data', (c: Buffer) => (text += c.toString()));
    socket.on('end', () => resolve(text));
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
    socket.write('NOT-HTTP \x00\x01\x02\r\n\r\n');
  });
  assert.match(reply, /^HTTP\/1\.1 400/);
  await assertAlive();
});

test('reads run under the server caps for time and result size; a query cannot raise them', async () => {
  const capped = await store.serve({ limits: { maxExecutionTimeSeconds: 1, maxResultBytes: 100_000 } });
  const endless = await post(capped, 'SELECT number FROM system.numbers SETTINGS max_result_bytes = 0');
  assert.equal(endless.headers.get('x-clickhouse-exception-code'), '396');
  await endless.text();
  const breakMode = await post(
    capped,
    "SELECT number FROM system.numbers SETTINGS result_overflow_mode = 'break'",
  );
  assert.equal(breakMode.headers.get('x-clickhouse-exception-code'), '396');
  await breakMode.text();
  const slow = await post(capped, 'SELECT sleep(2) SETTINGS max_execution_time = 100');
  assert.equal(slow.status, 408);
  assert.equal(slow.headers.get('x-clickhouse-exception-code'), '159');
  await slow.text();
  const lower = await post(
    capped,
    "SELECT getSetting('max_execution_time') SETTINGS max_execution_time = 0.5",
  );
  assert.equal(await lower.text(), '0.5\n');
  await assertAlive();
});
