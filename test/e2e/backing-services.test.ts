import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { promisify } from 'node:util';
import { backingService } from '../support/backing-services.ts';
import { requirePeer } from '../support/require-peer.ts';

/**
 * The backing services of infra/start.sh answer a real client protocol: PostgreSQL through
 * psql, MySQL (MariaDB) through the mariadb client, Redis through RESP, RabbitMQ through an
 * AMQP 0-9-1 login, Kafka through ApiVersions.
 */
const pg = await backingService('postgres');
const mysql = await backingService('mysql');
const redis = await backingService('redis');
const rabbitmq = await backingService('rabbitmq');
const kafka = await backingService('kafka');
const psql = pg.available
  ? requirePeer('psql', () => spawnSync('psql', ['--version']).status === 0)
  : { skip: false as const };
const mariadb = mysql.available
  ? requirePeer('mariadb', () => spawnSync('mariadb', ['--version']).status === 0)
  : { skip: false as const };

interface Wire {
  write(bytes: Buffer): void;
  read(n: number): Promise<Buffer>;
}

/** Runs `script` over one TCP connection, with exact-length reads; fails after timeoutMs. */
async function talk<T>(host: string, port: number, script: (wire: Wire) => Promise<T>, timeoutMs = 10_000) {
  const socket = connect({ host, port });
  let buffered = Buffer.alloc(0);
  let failure: Error | undefined;
  let wake = (): void => {};
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    wake();
  });
  const fail = (err: Error): void => {
    failure ??= err;
    wake();
  };
  socket.on('error', fail);
  socket.on('close', () => fail(new Error(`connection closed by ${host}:${port}`)));
  socket.setTimeout(timeoutMs, () => fail(new Error(`no answer from ${host}:${port} in ${timeoutMs} ms`)));
  const wire: Wire = {
    write: (bytes) => socket.write(bytes),
    read: async (n) => {
      while (buffered.length < n) {
        if (failure) throw failure;
        await new Promise<void>((resolve) => (wake = resolve));
      }
      const out = buffered.subarray(0, n);
      buffered = buffered.subarray(n);
      return out;
    },
  };
  try {
    return await script(wire);
  } finally {
    socket.destroy();
  }
}

test(
  'PostgreSQL: psql runs SQL as user spyglass in database spyglass',
  { skip: pg.skip || psql.skip },
  async () => {
    const { stdout } = await promisify(execFile)(
      'psql',
      [pg.url, '-X', '-q', '-tA', '-v', 'ON_ERROR_STOP=1']
        .concat(['-c', 'create temp table t (x int)', '-c', 'insert into t values (41)'])
        .concat(['-c', 'select x + 1, current_user, current_database() from t']),
      { timeout: 30_000 },
    );
    assert.equal(stdout.trim(), '42|spyglass|spyglass');
  },
);

test(
  'MySQL (MariaDB): the mariadb client runs SQL as user spyglass in database spyglass, over TCP with a password',
  { skip: mysql.skip || mariadb.skip },
  async () => {
    const url = new URL(mysql.url);
    const { stdout } = await promisify(execFile)(
      'mariadb',
      ['--no-defaults', '--protocol=tcp', '-h', url.hostname, '-P', url.port || '3306']
        .concat(['-u', decodeURIComponent(url.username), '-D', url.pathname.slice(1), '-N', '-B'])
        .concat(['-e', 'create temporary table t (x int); insert into t values (41);'])
        .concat(['-e', "select x + 1, substring_index(current_user(), '@', 1), database() from t"]),
      { timeout: 30_000, env: { ...process.env, MYSQL_PWD: decodeURIComponent(url.password) } },
    );
    assert.equal(stdout.trim(), '42\tspyglass\tspyglass');
  },
);

test('Redis: PING, SET, GET and DEL in RESP', { skip: redis.skip }, async () => {
  const resp = (...args: string[]): string =>
    `*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('');
  const key = `spyglass:test:${randomUUID()}`;
  const expected = '+PONG\r\n+OK\r\n$5\r\nhello\r\n:1\r\n';
  const reply = await talk(redis.host, redis.port, async (wire) => {
    wire.write(Buffer.from(resp('PING') + resp('SET', key, 'hello') + resp('GET', key) + resp('DEL', key)));
    return (await wire.read(Buffer.byteLength(expected))).toString();
  });
  assert.equal(reply, expected);
});

test('RabbitMQ: AMQP 0-9-1 handshake, PLAIN login and vhost "/" open', { skip: rabbitmq.skip }, async () => {
  const url = new URL(rabbitmq.url);
  const user = decodeURIComponent(url.username || 'guest');
  const pass = decodeURIComponent(url.password || 'guest');
  const shortstr = (s: string): Buffer =>
    Buffer.concat([Buffer.from([Buffer.byteLength(s)]), Buffer.from(s)]);
  const longstr = (s: string): Buffer => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(Buffer.byteLength(s));
    return Buffer.concat([len, Buffer.from(s)]);
  };
  /** A method frame on channel 0 of class 10 (connection). */
  const method = (id: number, ...args: Buffer[]): Buffer => {
    const payload = Buffer.concat([Buffer.from([0, 10, 0, id]), ...args]);
    const header = Buffer.from([1, 0, 0, 0, 0, 0, 0]);
    header.writeUInt32BE(payload.length, 3);
    return Buffer.concat([header, payload, Buffer.from([0xce])]);
  };
  const u16 = (n: number): Buffer => Buffer.from([n >> 8, n & 0xff]);
  const seen = await talk(url.hostname, Number(url.port || 5672), async (wire) => {
    const methods: string[] = [];
    const next = async (): Promise<Buffer> => {
      const header = await wire.read(7);
      const payload = await wire.read(header.readUInt32BE(3) + 1);
      assert.equal(header[0], 1, 'a method frame');
      assert.equal(payload[payload.length - 1], 0xce, 'the frame-end octet');
      methods.push(`${payload.readUInt16BE(0)}.${payload.readUInt16BE(2)}`);
      return payload;
    };
    wire.write(Buffer.from('AMQP\x00\x00\x09\x01', 'latin1'));
    const start = await next(); // Connection.Start: version 0-9, server properties, mechanisms
    assert.deepEqual([start[4], start[5]], [0, 9]);
    wire.write(
      method(11, Buffer.alloc(4), shortstr('PLAIN'), longstr(`\0${user}\0${pass}`), shortstr('en_US')),
    );
    // Connection.Tune; a refused login gets Connection.Close or a closed connection.
    const tune = await next().catch((err: Error) => assert.fail(`login as ${user} refused: ${err.message}`));
    assert.equal(methods.at(-1), '10.30', `login as ${user} refused`);
    wire.write(method(31, tune.subarray(4, 10), u16(0)));
    wire.write(method(40, shortstr('/'), shortstr(''), Buffer.from([0])));
    await next(); // Connection.Open-Ok
    wire.write(method(50, u16(200), shortstr('bye'), u16(0), u16(0)));
    await next(); // Connection.Close-Ok
    return methods;
  });
  assert.deepEqual(seen, ['10.10', '10.30', '10.41', '10.51']);
});

test('Kafka: the broker answers an ApiVersions request', { skip: kafka.skip }, async () => {
  const clientId = Buffer.from('spyglass-test');
  const request = Buffer.alloc(4 + 10 + clientId.length);
  request.writeInt32BE(request.length - 4, 0);
  request.writeInt16BE(18, 4); // api_key: ApiVersions
  request.writeInt16BE(0, 6); // api_version 0
  request.writeInt32BE(0x5b1a55, 8); // correlation_id
  request.writeInt16BE(clientId.length, 12);
  clientId.copy(request, 14);
  const response = await talk(kafka.host, kafka.port, async (wire) => {
    wire.write(request);
    return wire.read((await wire.read(4)).readInt32BE(0));
  });
  assert.equal(response.readInt32BE(0), 0x5b1a55, 'correlation_id');
  assert.equal(response.readInt16BE(4), 0, 'error_code');
  const apiKeys = new Set<number>();
  for (let i = 0, n = response.readInt32BE(6); i < n; i++) apiKeys.add(response.readInt16BE(10 + i * 6));
  for (const key of [0, 1, 3, 18])
    assert.ok(apiKeys.has(key), `api key ${key} (Produce, Fetch, Metadata, ApiVersions)`);
});
