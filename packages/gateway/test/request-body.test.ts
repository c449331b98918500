import { test } from 'node:test';
import assert from 'node:assert/strict';
import { joinForDecode, wholeBody } from '../src/receivers/request-body.ts';

const chunked = (bytes: Buffer, sizes: number[]) => {
  const chunks: Buffer[] = [];
  let at = 0;
  for (const n of sizes) {
    chunks.push(bytes.subarray(at, at + n));
    at += n;
  }
  return { chunks, size: at };
};

test('joinForDecode gives the bytes of the chunks in order, however they were cut', () => {
  const bytes = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 31) & 255));
  for (const sizes of [[100_000], [1, 99_999], [65_536, 34_464], [10, 0, 20, 99_970], [50_000, 50_000]]) {
    assert.ok(joinForDecode(chunked(bytes, sizes)).equals(bytes), `chunks of ${sizes.join('+')}`);
  }
  assert.equal(joinForDecode({ chunks: [], size: 0 }).length, 0);
});

test('one chunk is used as is; several are joined into a buffer that the next call reuses', () => {
  const one = Buffer.from('whole');
  assert.equal(joinForDecode(wholeBody(one)), one);
  const first = joinForDecode({ chunks: [Buffer.from('ab'), Buffer.from('cd')], size: 4 });
  assert.equal(first.toString(), 'abcd');
  const second = joinForDecode({ chunks: [Buffer.from('xy'), Buffer.from('z')], size: 3 });
  assert.equal(second.toString(), 'xyz');
  // The contract: the result is valid only until the next call (decode it at once).
  assert.equal(first.buffer, second.buffer);
  assert.equal(first.toString(), 'xyzd');
});

test('a body above the shared limit gets a buffer of its own', () => {
  const big = Buffer.alloc(9 * 1024 * 1024, 7);
  const joined = joinForDecode(chunked(big, [big.length - 1, 1]));
  assert.ok(joined.equals(big));
  const small = joinForDecode({ chunks: [Buffer.from('a'), Buffer.from('b')], size: 2 });
  assert.notEqual(small.buffer, joined.buffer);
  assert.ok(joined.equals(big), 'not overwritten by the next call');
});
