import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { open, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Column } from '@spyglass/otlp';
import type { OpenTable } from './batch.ts';

/** One table's rows of a sealed batch, in a RowBinary file. */
export interface SpooledTable {
  readonly table: string;
  readonly columns: readonly Column[];
  readonly path: string;
  readonly count: number;
  readonly bytes: number;
}

/** A sealed batch: the unit that is made durable, inserted (idempotently, by id) and acknowledged. */
export interface SpooledBatch {
  readonly id: string;
  readonly tables: readonly SpooledTable[];
  readonly bytes: number;
}

/**
 * The write-ahead log of the ingest pipeline: each sealed batch is written as
 * RowBinary files (one per table), then a manifest `<id>.batch.json` is
 * renamed into place. A batch exists once its manifest does; when `durable`,
 * files, manifest and folder are fsynced first, so an acknowledged batch
 * survives a crash. The same files feed the insert (the engine reads them),
 * so logging costs no extra copy. After the insert the manifest is removed;
 * a crash in between replays the batch, and the insert's deduplication token
 * (the batch id) keeps it from being stored twice.
 */
export class BatchSpool {
  private constructor(
    readonly dir: string,
    private readonly durable: boolean,
  ) {}

  /** Opens the spool and returns the batches a previous run left behind, oldest first. */
  static open(dir: string, durable: boolean): { spool: BatchSpool; pending: SpooledBatch[] } {
    mkdirSync(dir, { recursive: true });
    const files = readdirSync(dir);
    const pending: SpooledBatch[] = [];
    const referenced = new Set<string>();
    for (const f of files.filter((f) => f.endsWith('.batch.json')).sort()) {
      try {
        const batch = JSON.parse(readFileSync(join(dir, f), 'utf8')) as SpooledBatch;
        for (const t of batch.tables) referenced.add(t.path);
        pending.push(batch);
      } catch {
        // A manifest is renamed into place whole; an unreadable one was never acknowledged.
        rmSync(join(dir, f), { force: true });
      }
    }
    // Data files without a manifest belong to batches that were never acknowledged.
    for (const f of files) {
      const path = join(dir, f);
      if (!f.endsWith('.batch.json') && !referenced.has(path)) rmSync(path, { force: true });
    }
    return { spool: new BatchSpool(dir, durable), pending };
  }

  /** Writes a batch; resolves once it is durable (when the spool is). */
  async write(id: string, tables: Iterable<OpenTable>): Promise<SpooledBatch> {
    const spooled: SpooledTable[] = [];
    let bytes = 0;
    for (const t of tables) {
      const path = join(this.dir, `${id}.${t.table}.rowbinary`);
      const handle = await open(path, 'w');
      try {
        let size = 0;
        for (const p of t.parts) size += p.length;
        await handle.writev(t.parts);
        if (this.durable) await handle.datasync();
        spooled.push({ table: t.table, columns: t.columns, path, count: t.count, bytes: size });
        bytes += size;
      } finally {
        await handle.close();
      }
    }
    const batch: SpooledBatch = { id, tables: spooled, bytes };
    const manifest = join(this.dir, `${id}.batch.json`);
    await writeFile(manifest + '.tmp', JSON.stringify(batch), { flush: this.durable });
    await rename(manifest + '.tmp', manifest);
    if (this.durable) await syncDirectory(this.dir);
    return batch;
  }

  /** Forgets a batch that is in the store. */
  async remove(batch: SpooledBatch): Promise<void> {
    await rm(join(this.dir, `${batch.id}.batch.json`), { force: true });
    await Promise.all(batch.tables.map((t) => rm(t.path, { force: true })));
  }
}

/** Makes a rename in `dir` durable. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
