import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readdirSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WriteAheadLog } from '../src/index.ts';

const dir = () => mkdtempSync(join(tmpdir(), 'spyglass-wal-'));

test('batches logged but not marked done are returned for replay, in order', async () => {
  const d = dir();
  const { wal } = await WriteAheadLog.open(d);
  await wal.appendBatch('a', Buffer.from('first'));
  await wal.appendBatch('b', Buffer.from('second'));
  await wal.appendBatch('c', Buffer.from('third'));
  await wal.markDone('b');
  await wal.close();
  const { wal: again, pending } = await WriteAheadLog.open(d);
  assert.deepEqual(
    pending.map((p) => [p.id, p.payload.toString()]),
    [
      ['a', 'first'],
      ['c', 'third'],
    ],
  );
  await again.markDone('a');
  await again.markDone('c');
  await again.close();
  const { pending: none, wal: third } = await WriteAheadLog.open(d);
  assert.equal(none.length, 0);
  await third.close();
  assert.ok(readdirSync(d).length <= 1, 'finished segments are deleted');
});

test('a torn or corrupt tail is cut off and later appends stay readable', async () => {
  const d = dir();
  const { wal } = await WriteAheadLog.open(d);
  await wal.appendBatch('a', Buffer.from('kept'));
  await wal.appendBatch('b', Buffer.from('torn'));
  await wal.close();
  const [segment] = readdirSync(d);
  const path = join(d, segment!);
  truncateSync(path, statSync(path).size - 2); // a crash mid-append
  appendFileSync(path, Buffer.from([1, 2, 3]));
  const { wal: again, pending } = await WriteAheadLog.open(d);
  assert.deepEqual(pending.map((p) => p.id), ['a']);
  await again.appendBatch('c', Buffer.from('after'));
  await again.close();
  const { wal: third, pending: after } = await WriteAheadLog.open(d);
  assert.deepEqual(after.map((p) => p.id), ['a', 'c']);
  await third.close();
});

test('segments roll over and are deleted once all their batches are done', async () => {
  const d = dir();
  const { wal } = await WriteAheadLog.open(d, 64);
  for (let i = 0; i < 10; i++) await wal.appendBatch(`b${i}`, Buffer.alloc(40, i));
  assert.ok(readdirSync(d).length >= 5, 'several segments');
  for (let i = 0; i < 10; i++) await wal.markDone(`b${i}`);
  assert.ok(readdirSync(d).length <= 2, `old segments deleted, left: ${readdirSync(d).join(',')}`);
  await wal.close();
  const { wal: again, pending } = await WriteAheadLog.open(d, 64);
  assert.equal(pending.length, 0);
  await again.close();
});
