import { copyFile, mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { TableRows } from '@spyglass/otlp';
import { StoreError, type StoreDriver } from '@spyglass/store';
import type { Logger } from '../logger.ts';
import { OpenBatch } from './batch.ts';
import { BatchSpool, type InsertGroup, type SpooledBatch } from './batch-spool.ts';
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
  /**
   * The longest rows wait before they are inserted (unless `maxInsertRows` are
   * waiting sooner): bounds how stale the store is.
   */
  readonly flushIntervalMs: number;
  /**
   * With the write-ahead log: the longest a request waits for its batch to be
   * sealed and fsynced (group commit). Short, so acknowledgements are fast;
   * inserts still gather up to `flushIntervalMs` of batches. Without the log,
   * batches are sealed at `flushIntervalMs`.
   */
  readonly commitIntervalMs: number;
  /** Bound on bytes accepted but not yet inserted; beyond it requests get backpressure. */
  readonly maxQueuedBytes: number;
  /** Inserts in flight at once: one engine insert parses on one core. */
  readonly insertConcurrency: number;
  /**
   * Waiting batches are inserted together up to this many rows: an insert has a
   * fixed cost (tens of ms per part), so under load fewer, larger inserts win.
   * Must stay below ClickHouse's min_insert_block_size_rows (one block per insert).
   */
  readonly maxInsertRows: number;
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

/** The longest a durable batch's acknowledgement is held back for flow control (see releaseAcks). */
const MAX_ACK_DELAY_MS = 1_000;

interface QueueItem {
  readonly batch: SpooledBatch;
  /** Requests not yet acknowledged (see releaseAcks). */
  waiters: Waiter[];
  started: boolean;
  /** performance.now() when the batch became durable in the spool (0: acknowledged only by its insert). */
  readonly spooledAt: number;
  /** performance.now() by which the batch's oldest rows should be inserting. */
  readonly insertBy: number;
  /** Set for replayed batches: the insert they must be repeated in. */
  readonly group?: InsertGroup;
}

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
  /** When the open batch got its first rows. */
  private openedAt = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Wakes the inserter when the oldest waiting batch is due. */
  private insertTimer: NodeJS.Timeout | undefined;
  /** Releases held acknowledgements when the oldest reaches MAX_ACK_DELAY_MS. */
  private ackTimer: NodeJS.Timeout | undefined;
  /** Sealed batches waiting for the store, oldest first; started ones are being inserted. */
  private readonly queue: QueueItem[] = [];
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];
  private queuedBytes = 0;
  private seq = 0;
  private readonly bootId = Date.now().toString(36).padStart(9, '0');
  private sealing = 0;
  private closing = false;
  /** Set when shutdown gives up waiting: the inserter stops retrying. */
  private stopped = false;
  private counters = {
    insertedRows: 0,
    insertedBatches: 0,
    rejectedForBackpressure: 0,
    replayedBatches: 0,
    deadLetterBatches: 0,
  };

  private constructor(
    private readonly o: PipelineOptions,
    private readonly spool: BatchSpool,
  ) {}

  /** Opens the spool and queues the batches a previous run made durable but did not insert. */
  static start(options: PipelineOptions): IngestPipeline {
    const { spool, pending } = BatchSpool.open(options.spoolDir, options.writeAheadLog);
    const p = new IngestPipeline(options, spool);
    for (const group of pending) {
      for (const batch of group.batches) {
        // Replayed exactly as before the crash (alone, or in its recorded group): a
        // batch that reached the store must meet its own token again to be dropped.
        p.queue.push({ batch, waiters: [], started: false, group, insertBy: 0, spooledAt: 0 });
        p.queuedBytes += batch.bytes;
        p.counters.replayedBatches++;
      }
    }
    if (pending.length > 0)
      options.logger.info(`replaying ${p.counters.replayedBatches} spooled batches into the store`);
    p.kick();
    return p;
  }

  /** Takes the rows of one request; resolves when they are durable, or says why not. */
  consume(tables: readonly TableRows[]): Promise<IngestOutcome> {
    if (this.closing) return Promise.resolve({ kind: 'unavailable', message: 'Spyglass is shutting down' });
    let bytes = 0;
    for (const t of tables) bytes += t.body.length;
    if (bytes === 0) return Promise.resolve({ kind: 'stored' });
    if (this.queuedBytes + bytes > this.o.maxQueuedBytes && this.queuedBytes > 0)
      return Promise.resolve(this.backpressure());
    this.queuedBytes += bytes;
    return new Promise<IngestOutcome>((resolve) => {
      if (this.open.rows === 0) this.openedAt = performance.now();
      this.open.add(tables);
      this.openWaiters.push(resolve);
      if (this.open.bytes >= this.o.maxBatchBytes || this.open.rows >= this.o.maxBatchRows) this.flush();
      else
        this.timer ??= setTimeout(
          () => this.flush(),
          this.o.writeAheadLog ? this.o.commitIntervalMs : this.o.flushIntervalMs,
        );
    });
  }

  /**
   * True when the pipeline cannot take more now: receivers answer with
   * backpressure before spending CPU on decoding a request.
   */
  isFull(): boolean {
    return !this.closing && this.queuedBytes >= this.o.maxQueuedBytes;
  }

  /** Counts and describes one request refused because the pipeline is full. */
  backpressure(): Extract<IngestOutcome, { kind: 'backpressure' }> {
    this.counters.rejectedForBackpressure++;
    return {
      kind: 'backpressure',
      retryAfterSeconds: 1,
      message: `the ingest pipeline is full (${this.queuedBytes} bytes waiting for the store); retry later`,
    };
  }

  stats(): PipelineStats {
    return {
      ...this.counters,
      queuedBytes: this.queuedBytes,
      queuedBatches: this.queue.length + this.sealing,
    };
  }

  /** Stops taking data, flushes what was accepted, and waits (up to `timeoutMs`) for it to be inserted. */
  async shutdown(timeoutMs = 30_000): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.flush();
    this.kick();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)));
    await Promise.race([this.whenIdle(), deadline]);
    clearTimeout(timer);
    this.stopped = true;
    clearTimeout(this.insertTimer);
    this.notifyIfIdle();
    clearTimeout(this.ackTimer);
    for (const item of this.queue) {
      // Spooled data is replayed at the next start: acknowledging it is safe, refusing it would duplicate it.
      const outcome: IngestOutcome =
        item.spooledAt > 0
          ? { kind: 'stored' }
          : { kind: 'unavailable', message: 'Spyglass is shutting down' };
      for (const w of item.waiters) w(outcome);
      item.waiters = [];
    }
    if (this.queue.length > 0) {
      this.o.logger.warn(
        `${this.queue.length} batches not yet in the store at shutdown; they stay spooled for the next start`,
      );
    }
  }

  private whenIdle(): Promise<void> {
    if (this.queue.length === 0 && this.sealing === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private notifyIfIdle(): void {
    if (this.queue.length > 0 || this.sealing > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  /** Seals the open batch, writes it to the spool, and hands it to the inserter. */
  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.open.rows === 0) return;
    const open = this.open;
    const waiters = this.openWaiters;
    const insertBy = this.openedAt + this.o.flushIntervalMs;
    this.open = new OpenBatch();
    this.openWaiters = [];
    const id = `${this.bootId}-${String(this.seq++).padStart(9, '0')}`;
    this.sealing++;
    this.spool.write(id, open.tables.values()).then(
      (batch) => {
        this.sealing--;
        if (this.o.writeAheadLog) {
          this.queue.push({ batch, waiters, started: false, insertBy, spooledAt: performance.now() });
          this.releaseAcks();
        } else {
          this.queue.push({ batch, waiters, started: false, insertBy: 0, spooledAt: 0 });
        }
        this.kick();
      },
      (err: unknown) => {
        this.sealing--;
        this.queuedBytes -= open.bytes;
        this.o.logger.error('could not write a batch to the spool', { error: String(err) });
        for (const w of waiters)
          w({ kind: 'unavailable', message: 'the ingest spool is not writable; retry later' });
        this.notifyIfIdle();
      },
    );
  }

  /**
   * Starts inserts for waiting batches, up to `insertConcurrency` at once,
   * grouping what waits. A group starts once it is full (`maxInsertRows`),
   * its oldest rows are due (`flushIntervalMs`), or the pipeline is closing.
   */
  private kick(): void {
    if (this.stopped) return;
    clearTimeout(this.insertTimer);
    this.insertTimer = undefined;
    while (this.inFlight < this.o.insertConcurrency) {
      const due = this.whenDue();
      if (due > 0) {
        this.insertTimer = setTimeout(() => this.kick(), due);
        return;
      }
      const items = this.nextGroup();
      if (items.length === 0) return;
      const group: InsertGroup = items[0]!.group ?? {
        id: items.length === 1 ? items[0]!.batch.id : `${items[0]!.batch.id}-g${items.length}`,
        batches: items.map((i) => i.batch),
      };
      this.inFlight++;
      void this.insertWithRetry(group).then((inserted) => {
        this.inFlight--;
        if (inserted) {
          for (const item of items) {
            this.queue.splice(this.queue.indexOf(item), 1);
            this.queuedBytes -= item.batch.bytes;
            for (const w of item.waiters) w({ kind: 'stored' });
            item.waiters = [];
          }
        }
        // else: stopped; the batches stay spooled for the next start.
        this.releaseAcks();
        this.notifyIfIdle();
        this.kick();
      });
    }
  }

  /**
   * Flow control. A spooled batch is acknowledged once at most half of
   * `maxQueuedBytes` waits ahead of it for the store, or after MAX_ACK_DELAY_MS
   * at the latest (it is durable either way). Clients that wait for their
   * answer (every OTLP exporter) thus slow down to the pace of the inserts
   * instead of filling the queue and being refused; the hard bound still
   * refuses floods. The delay is capped so that a stuck store does not make
   * clients time out and send the same data again.
   */
  private releaseAcks(): void {
    clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    const now = performance.now();
    const softLimit = this.o.maxQueuedBytes / 2;
    let ahead = 0;
    let nextDeadline = Infinity;
    for (const item of this.queue) {
      if (item.spooledAt > 0 && item.waiters.length > 0) {
        if (ahead <= softLimit || now - item.spooledAt >= MAX_ACK_DELAY_MS) {
          for (const w of item.waiters) w({ kind: 'stored' });
          item.waiters = [];
        } else nextDeadline = Math.min(nextDeadline, item.spooledAt + MAX_ACK_DELAY_MS);
      }
      ahead += item.batch.bytes;
    }
    if (nextDeadline !== Infinity)
      this.ackTimer = setTimeout(() => this.releaseAcks(), Math.max(1, Math.ceil(nextDeadline - now)));
  }

  /**
   * 0 when an insert should start now (or nothing waits: nextGroup finds
   * nothing), else the milliseconds until the oldest waiting batch is due.
   */
  private whenDue(): number {
    if (this.closing) return 0;
    let rows = 0;
    let oldest = Infinity;
    for (const item of this.queue) {
      if (item.started) continue;
      if (item.group) return 0;
      rows += item.batch.rows;
      if (rows >= this.o.maxInsertRows) return 0;
      if (item.insertBy < oldest) oldest = item.insertBy;
    }
    if (oldest === Infinity) return 0;
    return Math.max(0, Math.ceil(oldest - performance.now()));
  }

  /** Marks and returns the next batches to insert together: a replayed group, or waiting batches up to maxInsertRows. */
  private nextGroup(): QueueItem[] {
    const items: QueueItem[] = [];
    let rows = 0;
    for (const item of this.queue) {
      if (item.started) continue;
      if (item.group) {
        if (items.length > 0) break;
        const members = this.queue.filter((q) => q.group === item.group);
        for (const m of members) m.started = true;
        return members;
      }
      if (items.length > 0 && rows + item.batch.rows > this.o.maxInsertRows) break;
      item.started = true;
      items.push(item);
      rows += item.batch.rows;
    }
    return items;
  }

  /** Inserts a group as one insert, retrying while the store fails in a retryable way. False when stopped first. */
  private async insertWithRetry(group: InsertGroup): Promise<boolean> {
    let delay = 100;
    for (let attempt = 1; ; attempt++) {
      try {
        // Recorded before the insert, so that a replay repeats exactly this insert (same token).
        if (attempt === 1) await this.spool.recordGroup(group);
        for (const [table, columns, paths] of tablesOf(group)) {
          await this.o.driver.insertFile({
            table: `${this.o.database}.${table}`,
            columns,
            paths,
            // Same token on every retry and replay: ClickHouse drops the duplicate block.
            dedupToken: `${group.id}/${table}`,
          });
        }
        this.counters.insertedBatches += group.batches.length;
        for (const b of group.batches) this.counters.insertedRows += b.rows;
        await this.spool.remove(group);
        return true;
      } catch (err) {
        if (err instanceof StoreError && !err.retryable) {
          try {
            await this.deadLetter(group, err);
            return true;
          } catch (deadLetterError) {
            // Keep it spooled and keep trying rather than lose it.
            this.o.logger.error('could not move a refused batch to the dead-letter folder', {
              error: String(deadLetterError),
            });
          }
        }
        if (this.stopped) return false;
        this.o.logger.warn(`insert failed, retrying in ${delay} ms`, {
          group: group.id,
          attempt,
          error: String(err),
        });
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 5_000);
      }
    }
  }

  /** Keeps batches the store refuses for good, so acknowledged data is never silently lost. */
  private async deadLetter(group: InsertGroup, err: unknown): Promise<void> {
    this.counters.deadLetterBatches += group.batches.length;
    this.o.logger.error(
      `the store refused insert ${group.id} for good; its batches are kept in ${this.o.deadLetterDir}`,
      {
        error: String(err),
      },
    );
    await mkdir(this.o.deadLetterDir, { recursive: true });
    for (const b of group.batches)
      for (const t of b.tables) await copyFile(t.path, join(this.o.deadLetterDir, basename(t.path)));
    await this.spool.remove(group);
  }
}

/** The tables of a group, each with the files that hold its rows. */
function tablesOf(group: InsertGroup): Array<[string, SpooledBatch['tables'][number]['columns'], string[]]> {
  const byTable = new Map<string, [string, SpooledBatch['tables'][number]['columns'], string[]]>();
  for (const b of group.batches) {
    for (const t of b.tables) {
      let entry = byTable.get(t.table);
      if (!entry) byTable.set(t.table, (entry = [t.table, t.columns, []]));
      entry[2].push(t.path);
    }
  }
  return [...byTable.values()];
}
