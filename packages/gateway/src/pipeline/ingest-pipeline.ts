import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TableRows } from '@spyglass/otlp';
import { StoreError, type StoreDriver } from '@spyglass/store';
import type { Logger } from '../logger.ts';
import { OpenBatch, decodeBatch, encodeBatch, type Batch } from './batch.ts';
import type { IngestOutcome } from './ingest-outcome.ts';
import { WriteAheadLog } from './write-ahead-log.ts';

export interface PipelineOptions {
  readonly driver: StoreDriver;
  readonly database: string;
  /** Where the write-ahead log lives; without it a request is acknowledged only once inserted. */
  readonly walDir?: string | undefined;
  /** Where batches the store refuses for good are kept, so acknowledged data is never silently lost. */
  readonly deadLetterDir?: string | undefined;
  readonly maxBatchBytes: number;
  readonly maxBatchRows: number;
  readonly flushIntervalMs: number;
  /** Bound on bytes accepted but not yet inserted; beyond it requests get backpressure. */
  readonly maxQueuedBytes: number;
  readonly logger: Logger;
}

export interface PipelineStats {
  readonly queuedBytes: number;
  readonly queuedBatches: number;
  readonly insertedRows: number;
  readonly insertedBatches: number;
  readonly rejectedForBackpressure: number;
  readonly replayedBatches: number;
}

type Waiter = { resolve: (o: IngestOutcome) => void };

/**
 * Batches rows from many requests into large inserts (size and time bounds),
 * makes them durable, and inserts them in the background with retries.
 * Contract: `consume` resolves `stored` only once the rows are in the
 * write-ahead log (or, without one, in the store); a replay after a crash
 * re-inserts logged batches with the same deduplication tokens, so rows are
 * stored exactly once.
 */
export class IngestPipeline {
  private open = new OpenBatch();
  private openWaiters: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly queue: Array<{ batch: Batch; waiters: Waiter[] }> = [];
  private queuedBytes = 0;
  private seq = 0;
  private readonly bootId = Date.now().toString(36);
  private draining: Promise<void> | undefined;
  private closing = false;
  /** Set when shutdown gives up waiting: the inserter stops retrying. */
  private stopped = false;
  private stats_ = { insertedRows: 0, insertedBatches: 0, rejectedForBackpressure: 0, replayedBatches: 0 };

  private constructor(
    private readonly o: PipelineOptions,
    private readonly wal: WriteAheadLog | undefined,
  ) {}

  /** Opens the write-ahead log and queues the batches a previous run logged but did not insert. */
  static async start(options: PipelineOptions): Promise<IngestPipeline> {
    let wal: WriteAheadLog | undefined;
    let pending: Array<{ id: string; payload: Buffer }> = [];
    if (options.walDir) ({ wal, pending } = await WriteAheadLog.open(options.walDir));
    const p = new IngestPipeline(options, wal);
    for (const r of pending) {
      const batch = decodeBatch(r.id, r.payload);
      p.queue.push({ batch, waiters: [] });
      p.queuedBytes += batch.bytes;
      p.stats_.replayedBatches++;
    }
    if (pending.length > 0) options.logger.info(`replaying ${pending.length} logged batches into the store`);
    p.kick();
    return p;
  }

  /** Takes the rows of one request; resolves when they are durable, or says why not. */
  consume(tables: readonly TableRows[]): Promise<IngestOutcome> {
    if (this.closing) return Promise.resolve({ kind: 'unavailable', message: 'Spyglass is shutting down' });
    let bytes = 0;
    for (const t of tables) bytes += t.body.length;
    if (bytes === 0) return Promise.resolve({ kind: 'stored' });
    if (this.queuedBytes + bytes > this.o.maxQueuedBytes && this.queuedBytes > 0) {
      this.stats_.rejectedForBackpressure++;
      return Promise.resolve({
        kind: 'backpressure',
        retryAfterSeconds: 1,
        message: `the ingest pipeline is full (${this.queuedBytes} bytes waiting for the store); retry later`,
      });
    }
    this.queuedBytes += bytes;
    return new Promise<IngestOutcome>((resolve) => {
      this.open.add(tables);
      this.openWaiters.push({ resolve });
      if (this.open.bytes >= this.o.maxBatchBytes || this.open.rows >= this.o.maxBatchRows) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.o.flushIntervalMs);
    });
  }

  stats(): PipelineStats {
    return { ...this.stats_, queuedBytes: this.queuedBytes, queuedBatches: this.queue.length };
  }

  /** Stops taking data, flushes what was accepted, and waits (up to `timeoutMs`) for it to be inserted. */
  async shutdown(timeoutMs = 30_000): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.flush();
    const deadline = new Promise<void>((r) => setTimeout(r, timeoutMs).unref());
    await Promise.race([this.whenIdle(), deadline]);
    this.stopped = true;
    for (const item of this.queue) {
      for (const w of item.waiters) w.resolve({ kind: 'unavailable', message: 'Spyglass is shutting down' });
    }
    if (this.queue.length > 0) {
      this.o.logger.warn(`${this.queue.length} batches not yet in the store at shutdown`, {
        keptInWriteAheadLog: this.wal !== undefined,
      });
    }
    await this.wal?.close();
  }

  private async whenIdle(): Promise<void> {
    while (this.queue.length > 0 || this.draining || this.sealing > 0) {
      await (this.draining ?? new Promise((r) => setTimeout(r, 10)));
    }
  }

  private sealing = 0;

  /** Seals the open batch, makes it durable, and hands it to the inserter. */
  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.open.rows === 0) return;
    const batch = this.open.seal(`${this.bootId}-${this.seq++}`);
    const waiters = this.openWaiters;
    this.queuedBytes += batch.bytes - this.open.bytes; // account encoded size
    this.open = new OpenBatch();
    this.openWaiters = [];
    if (!this.wal) {
      this.queue.push({ batch, waiters });
      this.kick();
      return;
    }
    this.sealing++;
    this.wal.appendBatch(batch.id, encodeBatch(batch)).then(
      () => {
        this.sealing--;
        for (const w of waiters) w.resolve({ kind: 'stored' });
        this.queue.push({ batch, waiters: [] });
        this.kick();
      },
      (err: unknown) => {
        this.sealing--;
        this.queuedBytes -= batch.bytes;
        this.o.logger.error('could not write the write-ahead log', { error: String(err) });
        for (const w of waiters) w.resolve({ kind: 'unavailable', message: 'the write-ahead log is not writable; retry later' });
      },
    );
  }

  private kick(): void {
    if (this.draining || this.queue.length === 0) return;
    this.draining = this.drain().finally(() => {
      this.draining = undefined;
      if (!this.stopped) this.kick();
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 && !this.stopped) {
      const item = this.queue[0]!;
      try {
        await this.insertWithRetry(item.batch);
      } catch {
        return; // stopped: the batch stays in the write-ahead log for the next start
      }
      this.queue.shift();
      this.queuedBytes -= item.batch.bytes;
      for (const w of item.waiters) w.resolve({ kind: 'stored' });
    }
  }

  private async insertWithRetry(batch: Batch): Promise<void> {
    let delay = 100;
    for (let attempt = 1; ; attempt++) {
      try {
        for (const t of batch.tables) {
          await this.o.driver.insertRaw({
            table: `${this.o.database}.${t.table}`,
            columns: t.columns,
            format: 'JSONCompactEachRow',
            body: t.body,
            // Same token on every retry and replay: ClickHouse drops the duplicate block.
            dedupToken: `${batch.id}/${t.table}`,
          });
        }
        this.stats_.insertedBatches++;
        for (const t of batch.tables) this.stats_.insertedRows += t.count;
        await this.wal?.markDone(batch.id);
        return;
      } catch (err) {
        const retryable = !(err instanceof StoreError) || err.retryable;
        if (!retryable) {
          this.deadLetter(batch, err);
          await this.wal?.markDone(batch.id);
          return;
        }
        if (this.stopped) throw new StoreError('shut down before the batch could be inserted', 0, true, { cause: err });
        this.o.logger.warn(`insert failed, retrying in ${delay} ms`, { batch: batch.id, attempt, error: String(err) });
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 5_000);
      }
    }
  }

  private deadLetter(batch: Batch, err: unknown): void {
    this.o.logger.error('the store refused a batch for good; it is kept in the dead-letter folder', {
      batch: batch.id,
      error: String(err),
    });
    if (!this.o.deadLetterDir) return;
    mkdirSync(this.o.deadLetterDir, { recursive: true });
    writeFileSync(join(this.o.deadLetterDir, `${batch.id}.batch`), encodeBatch(batch));
  }
}
