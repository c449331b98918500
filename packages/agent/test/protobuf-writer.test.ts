import assert from 'node:assert/strict';
import { test } from 'node:test';
import { millisToHrTime } from '@opentelemetry/core';
import { ProtobufWriter } from '../src/telemetry/protobuf-writer.ts';

/**
 * The writer's JavaScript fast paths (short ASCII strings, hex ids, times
 * without BigInt) against what Buffer's native encoders and BigInt arithmetic
 * produce: the bytes on the wire must not depend on which path wrote them.
 */

function reference(field: number, value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  const len: number[] = [];
  for (let n = bytes.length; ; n = Math.floor(n / 128)) {
    if (n < 0x80) {
      len.push(n);
      break;
    }
    len.push((n & 0x7f) | 0x80);
  }
  return Buffer.concat([Buffer.from([(field << 3) | 2, ...len]), bytes]);
}

test('strings: ASCII and non-ASCII, at and around the fast path length, encode as UTF-8 with their length', () => {
  const cases = [
    'a',
    'http.request.header.content-type',
    'x'.repeat(63),
    'x'.repeat(64),
    'x'.repeat(65),
    'y'.repeat(127),
    'y'.repeat(128),
    'z'.repeat(300),
    'café',
    'ascii then ✓',
    '✓ first',
    '😀',
    'x'.repeat(62) + 'é',
  ];
  for (const value of cases) {
    const w = new ProtobufWriter(8);
    w.string(5, value);
    assert.deepEqual(w.finish(), reference(5, value), JSON.stringify(value));
  }
  const empty = new ProtobufWriter(8);
  empty.string(1, '');
  assert.equal(empty.pos, 0, 'an empty string is not written');
});

test('hex ids: lower- and upper-case digits decode to the bytes Buffer decodes', () => {
  for (const hex of [
    '0123456789abcdef',
    'FEDCBA9876543210',
    '00000000000000000000000000000001',
    'a1B2c3D4e5F60718',
  ]) {
    const w = new ProtobufWriter(4);
    w.hexBytes(1, hex);
    const bytes = Buffer.from(hex, 'hex');
    assert.deepEqual(w.finish(), Buffer.concat([Buffer.from([0x0a, bytes.length]), bytes]), hex);
  }
});

test('times: fixed64 nanoseconds equal the BigInt computation, from the epoch to the far future', () => {
  const times: Array<[number, number]> = [
    [0, 0],
    [0, 999_999_999],
    [1, 0],
    [65_535, 999_999_999],
    [65_536, 1],
    [1_795_709_189, 320_123_456],
    [4_294_967_295, 999_999_999],
    [9_000_000_000, 123],
  ];
  for (let i = 0; i < 1000; i++)
    times.push([Math.floor(Math.random() * 2 ** 33), Math.floor(Math.random() * 1e9)]);
  for (const [s, ns] of times) {
    const w = new ProtobufWriter(4);
    w.fixed64Time(7, [s, ns]);
    const out = w.finish();
    assert.equal(out[0], (7 << 3) | 1);
    assert.equal(out.readBigUInt64LE(1), BigInt(s) * 1_000_000_000n + BigInt(ns), `${s}s ${ns}ns`);
  }
});

test('times from milliseconds: the same bytes as the HrTime @opentelemetry/core makes of them', () => {
  const samples = [
    0, 1, 999.9999, 1000, 1_795_718_150_441.123, 1_795_718_150_441.999_999, 4_102_444_800_000.5,
  ];
  for (let i = 0; i < 200; i++) samples.push(1.7e12 + Math.random() * 1e11);
  for (const ms of samples) {
    const fromMillis = new ProtobufWriter(16);
    fromMillis.fixed64Millis(7, ms);
    const fromHrTime = new ProtobufWriter(16);
    fromHrTime.fixed64Time(7, millisToHrTime(ms));
    assert.deepEqual(fromMillis.finish(), fromHrTime.finish(), `${ms} ms`);
  }
});

test('fixed32: the four little-endian bytes Buffer writes, for the whole unsigned range and negative numbers', () => {
  for (const value of [0, 1, 0xff, 0x100, 0x1234_5678, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff, -1, -2]) {
    const w = new ProtobufWriter(2);
    w.fixed32(12, value);
    const expected = Buffer.alloc(5);
    expected[0] = (12 << 3) | 5;
    expected.writeUInt32LE(value >>> 0, 1);
    assert.deepEqual([...w.finish()], [...expected], String(value));
  }
});

test('small: copies already-encoded bytes and grows the buffer', () => {
  const w = new ProtobufWriter(4);
  const bytes = Uint8Array.from([10, 3, 97, 98, 99]);
  w.small(bytes);
  w.small(bytes);
  assert.deepEqual([...w.finish()], [...bytes, ...bytes]);
});

test('small and KeyValues: keys of every length around the native-copy crossover are copied whole', () => {
  for (let length = 1; length <= 40; length++) {
    const name = 'k'.repeat(length - 1) + String(length % 10);
    // An attribute key as attributeKey encodes it: KeyValue.key's tag, length, name.
    const key = Uint8Array.from([0x0a, length, ...Buffer.from(name)]);
    const small = new ProtobufWriter(4);
    small.small(key);
    small.small(key);
    assert.deepEqual([...small.finish()], [...key, ...key], `small, ${length}`);

    const ascii = new ProtobufWriter(8);
    assert.equal(ascii.keyValueAscii(0x4a, key, 'xvaluex', 1, 6), true);
    const value = [...Buffer.from('value')];
    assert.deepEqual(
      [...ascii.finish()],
      [0x4a, key.length + 4 + 5, ...key, 0x12, 5 + 2, 0x0a, 5, ...value],
      `keyValueAscii, ${length}`,
    );

    const int = new ProtobufWriter(8);
    assert.equal(int.keyValueInt(0x4a, key, 300), true);
    assert.deepEqual(
      [...int.finish()],
      [0x4a, key.length + 3 + 2, ...key, 0x12, 2 + 1, 0x18, 0xac, 0x02],
      `keyValueInt, ${length}`,
    );
  }
});

test('KeyValues written again from what a key remembered: the same bytes, after the writer is reused and overwritten', async () => {
  const { ProtobufSink, attributeKey, writeAttributes } =
    await import('../src/telemetry/attribute-encoding.ts');
  const key = attributeKey('http.request.header.x-remembered');
  // What the long path (writeAttributes, no remembering) writes for each value.
  const expected = (value: string) => {
    const w = new ProtobufWriter(8);
    writeAttributes(w, 9, { [key.name]: value });
    return Buffer.from(w.finish());
  };
  const w = new ProtobufWriter(16);
  const write = (value: string) => {
    w.reset();
    new ProtobufSink(w, 9, 128, undefined).string(key, value);
    const out = Buffer.from(w.finish());
    w.reset();
    w.small(new Uint8Array(64).fill(0xee)); // the writer's bytes overwritten before the next write
    return out;
  };
  // A fresh string each time (as from a parser), a different value, then the first again.
  const values = ['/orders/' + 7, '/orders/' + 7, '/orders/7', '/users', '/orders/7', '/users', 'caf\u00e9'];
  for (const value of values) assert.deepEqual(write(value), expected(value), value);
  // A key whose values never come back stops remembering, and still writes each one right.
  for (let i = 0; i < 100; i++) assert.deepEqual(write(`id-${i}`), expected(`id-${i}`));
  assert.deepEqual(write('/users'), expected('/users'));
});

test('writeAttributes writes remembered KeyValues byte for byte as encoded afresh, for values that alternate across spans', async () => {
  const { attributeKey, writeAnyValue, writeAttributes } =
    await import('../src/telemetry/attribute-encoding.ts');
  // What writeAttributes writes without remembering: the short form, else the long one.
  const fresh = (name: string, value: string) => {
    const w = new ProtobufWriter(8);
    if (!w.keyValueAscii(0x4a, attributeKey(name).field, value, 0, value.length)) {
      const kv = w.begin(9);
      w.string(1, name);
      writeAnyValue(w, 2, value);
      w.end(kv);
    }
    return Buffer.from(w.finish());
  };
  const w = new ProtobufWriter(16);
  const write = (attributes: Record<string, string>) => {
    w.reset();
    writeAttributes(w, 9, attributes);
    const out = Buffer.from(w.finish());
    w.reset();
    w.small(new Uint8Array(64).fill(0xee)); // the writer's bytes overwritten before the next write
    return out;
  };
  // Six statements for one key, more than it remembers, in turn (as pg's and ioredis's spans of
  // one request alternate them), each a fresh string as an instrumentation builds it.
  const statements = [
    'SELECT $1::int + ? AS next',
    'set ? ?',
    'get ?',
    'caf\u00e9 ?',
    'DEL ?',
    'x'.repeat(200),
  ];
  for (let round = 0; round < 20; round++)
    for (const statement of statements) {
      const value = statement.slice(0, 3) + statement.slice(3);
      const expected = Buffer.concat([fresh('db.query.text', value), fresh('db.system.name', 'redis')]);
      assert.deepEqual(write({ 'db.query.text': value, 'db.system.name': 'redis' }), expected, value);
    }
});
