import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeRequest } from '@spyglass/otlp';
import { openStore, StoreError, type FileInsert, type Store, type StoreDriver } from '@spyglass/store';
import { IngestPipeline, silentLogger, type PipelineOptions } from '../src/index.ts';
import { handleExport } from '../src/receivers/export-handler.ts';
import { wholeBody } from '../src/receivers/request-body.ts';
import { buildTraceRequest } from '../../../test/support/trace-request.ts';

// The real embedded engine; `gate` and `failures` stand in for a store that is
// slow or down, which cannot be produced on demand otherwise.
let store: Store;
let gate: Promise<void> = Promise.resolve();
let failures: StoreError[] = [];
/** Every insert the pipeline made: how many rows it carried. */
let inserts: Array<{ table: string; files: number }> = [];
let driver: StoreDriver;

before(async () => {
  store = await openStore({ kind: 'embedded', path: mkdtempSync(join(tmpdir(), 'spyglass-pipeline-')) });
  driver = {
    ...store.driver,
    async insertFile(insert: FileInsert) {
      await gate;
      inserts.push({ table: insert.table, files: insert.paths.length });
      const failure = failures.shift();
      if (failure) throw failure;
      return store.driver.insertFile(insert);
    },
  };
});
after(async () => {
  await store.close();
});

const rows = (service: string, spans: number, seed: number) =>
  decodeRequest('traces', 'protobuf', buildTraceRequest({ service, spans, seed }).body).tables;

function options(overrides: Partial<PipelineOptions> = {}): PipelineOptions {
  const dir = mkdtempSync(join(tmpdir(), 'spyglass-spool-'));
  return {
    driver,
    database: 'default',
    spoolDir: join(dir, 'spool'),
    deadLetterDir: join(dir, 'dead-letter'),
    writeAheadLog: true,
    maxBatchBytes: 1 << 20,
    maxBatchRows: 10_000,
    flushIntervalMs: 10,
    commitIntervalMs: 5,
    maxQueuedBytes: 1 << 30,
    insertConcurrency: 2,
    maxInsertRows: 200_000,
    logger: silentLogger,
    ...overrides,
  };
}

const count = async (service: string) =>
  Number(
    (
      await store.driver.queryRows<{ n: number }>(
        `SELECT count() AS n FROM otel_traces WHERE ServiceName = '${service}'`,
      )
    )[0]?.n,
  );

test('a full pipeline answers backpressure instead of growing, and stores everything it accepted', async () => {
  let open!: () => void;
  gate = new Promise((r) => (open = r));
  const pipeline = IngestPipeline.start(options({ maxQueuedBytes: 200_000 }));
  const outcomes = [];
  for (let i = 0; i < 20; i++) outcomes.push(await pipeline.consume(rows('backpressure', 100, i)));
  const stored = outcomes.filter((o) => o.kind === 'stored').length;
  const refused = outcomes.filter((o) => o.kind === 'backpressure');
  assert.ok(stored > 0, 'accepts while there is room');
  assert.ok(refused.length > 0, 'refuses once the bound is reached');
  assert.equal(
    refused[0]?.kind === 'backpressure' && refused[0].retryAfterSeconds > 0,
    true,
    'with a retry delay',
  );
  assert.ok(
    pipeline.stats().queuedBytes <= 200_000 + 60_000,
    `queued bytes stay near the bound (${pipeline.stats().queuedBytes})`,
  );
  open();
  await pipeline.shutdown();
  assert.equal(await count('backpressure'), stored * 100, 'every acknowledged span is stored');
});

test('while the store is down, acknowledged batches wait and are stored once it is back', async () => {
  failures = [0, 1, 2].map(() => new StoreError('ClickHouse is unreachable: connect ECONNREFUSED', 0, true));
  const pipeline = IngestPipeline.start(options());
  const outcome = await pipeline.consume(rows('store-down', 50, 1));
  assert.equal(outcome.kind, 'stored', 'acknowledged once spooled, although the store is down');
  await pipeline.shutdown();
  assert.equal(failures.length, 0, 'the insert was retried');
  assert.equal(await count('store-down'), 50);
});

test('a batch the store refuses for good goes to the dead-letter folder, not into the void', async () => {
  failures = [new StoreError('Code: 53. DB::Exception: Type mismatch', 53, false)];
  const o = options();
  const pipeline = IngestPipeline.start(o);
  assert.equal((await pipeline.consume(rows('refused', 10, 1))).kind, 'stored');
  await pipeline.shutdown();
  assert.equal(pipeline.stats().deadLetterBatches, 1);
  assert.ok(
    existsSync(o.deadLetterDir) && readdirSync(o.deadLetterDir).some((f) => f.endsWith('.rowbinary')),
  );
  assert.equal(readdirSync(o.spoolDir).length, 0, 'and it leaves the spool');
});

test('without the write-ahead log, a request is acknowledged only once its rows are in the store', async () => {
  let open!: () => void;
  gate = new Promise((r) => (open = r));
  const pipeline = IngestPipeline.start(options({ writeAheadLog: false }));
  let settled = false;
  const pending = pipeline.consume(rows('no-wal', 10, 1)).then((o) => {
    settled = true;
    return o;
  });
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(settled, false, 'not acknowledged while the insert waits');
  open();
  assert.equal((await pending).kind, 'stored');
  assert.equal(await count('no-wal'), 10);
  await pipeline.shutdown();
});

test('batches spooled by a stopped pipeline are replayed by the next one, exactly once', async () => {
  let open!: () => void;
  gate = new Promise((r) => (open = r));
  const o = options();
  const first = IngestPipeline.start(o);
  for (let i = 0; i < 5; i++) assert.equal((await first.consume(rows('replay', 20, i))).kind, 'stored');
  await first.shutdown(200); // gives up: the store is stuck
  assert.ok(
    readdirSync(o.spoolDir).some((f) => f.endsWith('.batch.json')),
    'still spooled',
  );
  open();
  await new Promise((r) => setTimeout(r, 300)); // the stuck insert of the first pipeline may still land
  const second = IngestPipeline.start(o);
  assert.ok(second.stats().replayedBatches > 0);
  await second.shutdown();
  assert.equal(
    await count('replay'),
    100,
    'each acknowledged span once, even if an insert landed before the replay',
  );
});

test('a crash while a stored group is being forgotten: its remaining batches are not inserted again', async () => {
  // A group's insert is repeated on replay with the group's token, which
  // ClickHouse deduplicates only when the repeat reads the same files: a group
  // that lost some batch manifests was forgotten after its insert, so its rest
  // must not be inserted again (not even with the same token).
  inserts = [];
  let open!: () => void;
  gate = new Promise((r) => (open = r));
  // A flush interval long enough for the three batches to be one group on a loaded machine (at 50 ms,
  // a CI run once committed them too slowly and they went in two inserts).
  const o = options({ commitIntervalMs: 5, flushIntervalMs: 1000 });
  const first = IngestPipeline.start(o);
  for (let i = 0; i < 3; i++) assert.equal((await first.consume(rows('forgotten', 10, i))).kind, 'stored');
  const deadline = performance.now() + 5_000;
  while (!readdirSync(o.spoolDir).some((f) => f.endsWith('.group.json')) && performance.now() < deadline)
    await new Promise((r) => setTimeout(r, 5));
  // The spool as it is while the group's insert runs: the group record and its three batches.
  const snapshot = join(o.spoolDir, '..', 'snapshot');
  cpSync(o.spoolDir, snapshot, { recursive: true });
  open();
  await first.shutdown();
  assert.equal(await count('forgotten'), 30);
  assert.equal(inserts.length, 1, 'the three batches went in one insert');
  // The crash: the group was stored and its first batch forgotten, then the process died.
  cpSync(snapshot, o.spoolDir, { recursive: true });
  const manifests = readdirSync(o.spoolDir)
    .filter((f) => f.endsWith('.batch.json'))
    .sort();
  assert.equal(manifests.length, 3);
  rmSync(join(o.spoolDir, manifests[0]!));
  const second = IngestPipeline.start(o);
  await second.shutdown();
  assert.equal(await count('forgotten'), 30, 'each span once');
  assert.deepEqual(readdirSync(o.spoolDir), [], 'the forgotten group is gone from the spool');
});

test('with the write-ahead log, requests are acknowledged after the group commit, and inserts gather up to the flush interval', async () => {
  inserts = [];
  const pipeline = IngestPipeline.start(options({ commitIntervalMs: 5, flushIntervalMs: 400 }));
  const started = performance.now();
  const acks: number[] = [];
  for (let i = 0; i < 6; i++) {
    assert.equal((await pipeline.consume(rows('group-commit', 10, i))).kind, 'stored');
    acks.push(performance.now() - started);
  }
  const total = acks.at(-1)!;
  assert.ok(
    total < 300,
    `six sequential requests acknowledged in ${total.toFixed(0)} ms, not six flush intervals`,
  );
  assert.equal(inserts.length, 0, 'nothing inserted before the oldest rows are due');
  assert.equal(await count('group-commit'), 0);
  await new Promise((r) => setTimeout(r, 600));
  assert.equal(await count('group-commit'), 60, 'inserted once due');
  assert.equal(inserts.length, 1, `the six batches went in one insert (${JSON.stringify(inserts)})`);
  assert.equal(inserts[0]!.files, 6);
  await pipeline.shutdown();
});

test('a group starts as soon as maxInsertRows are waiting, without waiting for the flush interval', async () => {
  inserts = [];
  const pipeline = IngestPipeline.start(
    options({ commitIntervalMs: 5, flushIntervalMs: 60_000, maxInsertRows: 30 }),
  );
  for (let i = 0; i < 3; i++)
    assert.equal((await pipeline.consume(rows('full-group', 10, i))).kind, 'stored');
  const deadline = performance.now() + 5_000;
  while ((await count('full-group')) < 30 && performance.now() < deadline)
    await new Promise((r) => setTimeout(r, 20));
  assert.equal(await count('full-group'), 30, 'inserted long before the one-minute flush interval');
  await pipeline.shutdown();
});

test('shutdown inserts batches that are not yet due', async () => {
  const pipeline = IngestPipeline.start(options({ commitIntervalMs: 5, flushIntervalMs: 60_000 }));
  assert.equal((await pipeline.consume(rows('due-at-shutdown', 7, 1))).kind, 'stored');
  await pipeline.shutdown();
  assert.equal(await count('due-at-shutdown'), 7);
});

test('a full pipeline says so before a request is decoded', async () => {
  let open!: () => void;
  gate = new Promise((r) => (open = r));
  const pipeline = IngestPipeline.start(options({ maxQueuedBytes: 1_000, flushIntervalMs: 1 }));
  assert.equal(pipeline.isFull(), false);
  assert.equal((await pipeline.consume(rows('early-refusal', 20, 1))).kind, 'stored');
  assert.equal(pipeline.isFull(), true, 'the accepted batch fills it while the store is stuck');
  const refused = await handleExport(
    pipeline,
    'traces',
    'protobuf',
    wholeBody(Buffer.from('not protobuf at all')),
  );
  assert.equal(refused.kind, 'backpressure', 'refused without decoding (a decode would call it malformed)');
  open();
  await pipeline.shutdown();
  assert.equal(pipeline.isFull(), false);
});

test('flow control: while the store lags, acknowledgements wait for it (at most a second), then come without refusals', async () => {
  let open!: () => void;
  gate = new Promise((r) => (open = r));
  const one = rows('flow-control', 50, 1);
  const size = one.reduce((n, t) => n + t.body.length, 0);
  // Half the bound (where acknowledgements start to be held) is one and a half requests.
  const pipeline = IngestPipeline.start(options({ maxQueuedBytes: size * 3, flushIntervalMs: 1 }));
  assert.equal((await pipeline.consume(one)).kind, 'stored', 'nothing ahead: acknowledged at once');
  assert.equal((await pipeline.consume(rows('flow-control', 50, 2))).kind, 'stored', 'one request ahead');
  let settledAt = 0;
  const started = performance.now();
  const held = pipeline.consume(rows('flow-control', 1, 3)).then((o) => {
    settledAt = performance.now() - started;
    return o;
  });
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(settledAt, 0, 'held while more than half of the bound waits for the stuck store');
  open();
  assert.equal((await held).kind, 'stored');
  assert.ok(
    settledAt < 900,
    `released when the store caught up (${settledAt.toFixed(0)} ms), not at the cap`,
  );
  await pipeline.shutdown();
  assert.equal(await count('flow-control'), 101);

  gate = new Promise((r) => (open = r));
  const stuck = IngestPipeline.start(options({ maxQueuedBytes: size * 3, flushIntervalMs: 1 }));
  await stuck.consume(rows('flow-control-stuck', 50, 1));
  await stuck.consume(rows('flow-control-stuck', 50, 2));
  const t0 = performance.now();
  assert.equal((await stuck.consume(rows('flow-control-stuck', 1, 3))).kind, 'stored');
  const waited = performance.now() - t0;
  assert.ok(
    waited >= 900 && waited < 3_000,
    `a stuck store delays the acknowledgement by about 1 s (${waited.toFixed(0)} ms)`,
  );
  open();
  await stuck.shutdown();
  assert.equal(await count('flow-control-stuck'), 101);
});
