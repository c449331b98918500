import { copyFile, mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { TableRows } from '@spyglass/otlp';
import { StoreError, type StoreDriver } from '@spyglass/store';
import type { Logger } from '../logger.ts';
import { OpenBatch } from './batch.ts';
import { BatchSpool, type SpooledBatch } from './batch-spool.ts';
import type { IngestOutcome } from './ingest-outcome.ts';

export interface PipelineOptions {
  readonly driver: StoreDriver;
  readonly database: string;
  /** Where sealed batches are written before they are inserted. */
  readonly spoolDir: string;
  /**
   * When true (the default), batches are fsynced and requests acknowledged as
   * soon as their batch is on disk (a write-ahead log); when false, requests
   * are acknowledged only once their rows are in the store.
   */
  readonly writeAheadLog: boolean;
  /** Where batches the store refuses for good are kept, so acknowledged data is never silently lost. */
  readonly deadLetterDir: string;
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
  readonly deadLetterBatches: number;
}

type Waiter = (o: IngestOutcome) => void;

/**
 * Batches rows from many requests into large inserts (size and time bounds),
 * makes them durable, and inserts them in the background with retries.
 * Contract: `consume` resolves `stored` only once the rows are durable in the
 * spool (or, without the write-ahead log, in the store); a replay after a
 * crash re-inserts spooled batches with the same deduplication tokens, so
 * rows are stored exactly once. Memory is bounded by `maxQueuedBytes`.
 */
export class IngestPipeline {
  private open = new OpenBatch();
  private openWaiters: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly queue: Array<{ batch: SpooledBatch; waiters: Waiter[] }> = [];
  private queuedBytes = 0;
  private seq = 0;
  private readonly bootId = Date.now().toString(36).padStart(9, '0');
  private draining: Promise<void> | undefined;
  private sealing = 0;
  private closing = false;
  /** Set when shutdown gives up waiting: the inserter stops retrying. */
  private stopped = false;
  private counters = { insertedRows: 0, insertedBatches: 0, rejectedForBackpressure: 0, replayedBatches: 0, deadLetterBatches: 0 };

  private constructor(
    private readonly o: PipelineOptions,
    private readonly spool: BatchSpool,
  ) {}

  /** Opens the spool and queues the batches a previous run made durable but did not insert. */
  static start(options: PipelineOptions): IngestPipeline {
    const { spool, pending } = BatchSpool.open(options.spoolDir, options.writeAheadLog);
    const p = new IngestPipeline(options, spool);
    for (const batch of pending) {
      p.queue.push({ batch, waiters: [] });
      p.queuedBytes += batch.bytes;
      p.counters.replayedBatches++;
    }
    if (pending.length > 0) options.logger.info(`replaying ${pending.length} spooled batches into the store`);
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
      this.counters.rejectedForBackpressure++;
      return Promise.resolve({
        kind: 'backpressure',
        retryAfterSeconds: 1,
        message: `the ingest pipeline is full (${this.queuedBytes} bytes waiting for the store); retry later`,
      });
    }
    this.queuedBytes += bytes;
    return new Promise<IngestOutcome>((resolve) => {
      this.open.add(tables);
      this.openWaiters.push(resolve);
      if (this.open.bytes >= this.o.maxBatchBytes || this.open.rows >= this.o.maxBatchRows) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.o.flushIntervalMs);
    });
  }

  stats(): PipelineStats {
    return { ...this.counters, queuedBytes: this.queuedBytes, queuedBatches: this.queue.length + this.sealing };
  }

  /** Stops taking data, flushes what was accepted, and waits (up to `timeoutMs`) for it to be inserted. */
  async shutdown(timeoutMs = 30_000): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.flush();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)));
    await Promise.race([this.whenIdle(), deadline]);
    clearTimeout(timer);
    this.stopped = true;
    for (const item of this.queue) for (const w of item.waiters) w({ kind: 'unavailable', message: 'Spyglass is shutting down' });
    if (this.queue.length > 0) {
      this.o.logger.warn(`${this.queue.length} batches not yet in the store at shutdown; they stay spooled for the next start`);
    }
  }

  private async whenIdle(): Promise<void> {
    while (this.queue.length > 0 || this.draining || this.sealing > 0) {
      await (this.draining ?? new Promise((r) => setTimeout(r, 10)));
    }
  }

  /** Seals the open batch, writes it to the spool, and hands it to the inserter. */
  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.open.rows === 0) return;
    const open = this.open;
    const waiters = this.openWaiters;
    this.open = new OpenBatch();
    this.openWaiters = [];
    const id = `${this.bootId}-${String(this.seq++).padStart(9, '0')}`;
    this.sealing++;
    this.spool.write(id, open.tables.values()).then(
      (batch) => {
        this.sealing--;
        if (this.o.writeAheadLog) {
          for (const w of waiters) w({ kind: 'stored' });
          this.queue.push({ batch, waiters: [] });
        } else {
          this.queue.push({ batch, waiters });
        }
        this.kick();
      },
      (err: unknown) => {
        this.sealing--;
        this.queuedBytes -= open.bytes;
        this.o.logger.error('could not write a batch to the spool', { error: String(err) });
        for (const w of waiters) w({ kind: 'unavailable', message: 'the ingest spool is not writable; retry later' });
      },
    );
  }

  private kick(): void {
    if (this.draining || this.queue.length === 0 || this.stopped) return;
    this.draining = this.drain().finally(() => {
      this.draining = undefined;
      this.kick();
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 && !this.stopped) {
      const item = this.queue[0]!;
      if (!(await this.insertWithRetry(item.batch))) return; // stopped: the batch stays spooled
      this.queue.shift();
      this.queuedBytes -= item.batch.bytes;
      for (const w of item.waiters) w({ kind: 'stored' });
    }
  }

  /** Inserts a batch, retrying while the store fails in a retryable way. False when stopped first. */
  private async insertWithRetry(batch: SpooledBatch): Promise<boolean> {
    let delay = 100;
    for (let attempt = 1; ; attempt++) {
      try {
        for (const t of batch.tables) {
          await this.o.driver.insertFile({
            table: `${this.o.database}.${t.table}`,
            columns: t.columns,
            path: t.path,
            // Same token on every retry and replay: ClickHouse drops the duplicate block.
            dedupToken: `${batch.id}/${t.table}`,
          });
        }
        this.counters.insertedBatches++;
        for (const t of batch.tables) this.counters.insertedRows += t.count;
        await this.spool.remove(batch);
        return true;
      } catch (err) {
        if (err instanceof StoreError && !err.retryable) {
          await this.deadLetter(batch, err);
          return true;
        }
        if (this.stopped) return false;
        this.o.logger.warn(`insert failed, retrying in ${delay} ms`, { batch: batch.id, attempt, error: String(err) });
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 5_000);
      }
    }
  }

  /** Keeps a batch the store refuses for good, so acknowledged data is never silently lost. */
  private async deadLetter(batch: SpooledBatch, err: unknown): Promise<void> {
    this.counters.deadLetterBatches++;
    this.o.logger.error(`the store refused batch ${batch.id} for good; kept in ${this.o.deadLetterDir}`, { error: String(err) });
    await mkdir(this.o.deadLetterDir, { recursive: true });
    for (const t of batch.tables) await copyFile(t.path, join(this.o.deadLetterDir, basename(t.path)));
    await this.spool.remove(batch);
  }
}
