import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchSpool } from '../src/index.ts';

const dir = () => mkdtempSync(join(tmpdir(), 'spyglass-spool-'));
const table = (rows: string) => ({
  table: 'otel_traces',
  columns: [['SpanName', 'String']] as const,
  parts: [Buffer.from(rows)],
  count: 1,
});

test('spooled batches survive a restart; removed ones do not', async () => {
  const d = dir();
  const { spool } = BatchSpool.open(d, true);
  const a = await spool.write('a', [table('first')]);
  const b = await spool.write('b', [table('second')]);
  await spool.write('c', [table('third')]);
  await spool.remove({ id: b.id, batches: [b] });
  const { pending } = BatchSpool.open(d, true);
  assert.deepEqual(
    pending.map((g) => [g.id, g.batches.map((x) => x.id)]),
    [
      ['a', ['a']],
      ['c', ['c']],
    ],
  );
  assert.equal(pending[0]!.batches[0]!.rows, 1);
  assert.ok(existsSync(a.tables[0]!.path));
});

test('a recorded group is replayed whole; one that lost members was stored and is forgotten', async () => {
  const d = dir();
  const { spool } = BatchSpool.open(d, true);
  const a = await spool.write('a', [table('1')]);
  const b = await spool.write('b', [table('2')]);
  await spool.write('c', [table('3')]);
  const e = await spool.write('e', [table('4')]);
  const f = await spool.write('f', [table('5')]);
  await spool.recordGroup({ id: 'a-g2', batches: [a, b] });
  await spool.recordGroup({ id: 'e-g2', batches: [e, f] });
  // A crash while removing the inserted group a-g2: a's files are gone, the record stays.
  await spool.remove({ id: 'a', batches: [a] });
  const { pending } = BatchSpool.open(d, true);
  assert.deepEqual(
    pending.map((g) => [g.id, g.batches.map((x) => x.id)]),
    [
      ['c', ['c']],
      ['e-g2', ['e', 'f']],
    ],
  );
  assert.deepEqual(
    readdirSync(d)
      .filter((n) => n.startsWith('a') || n.startsWith('b'))
      .sort(),
    [],
    'the stored group and its remaining batch are gone',
  );
});

test('files without a manifest (never acknowledged) are cleaned up at open', () => {
  const d = dir();
  writeFileSync(join(d, 'x.otel_traces.rowbinary'), 'partial');
  writeFileSync(join(d, 'y.batch.json'), '{"id":'); // torn manifest
  const { pending } = BatchSpool.open(d, true);
  assert.equal(pending.length, 0);
  assert.deepEqual(readdirSync(d), []);
});
