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

/** A sealed batch: the unit that is made durable and acknowledged. */
export interface SpooledBatch {
  readonly id: string;
  readonly tables: readonly SpooledTable[];
  readonly bytes: number;
  readonly rows: number;
}

/**
 * Batches inserted together as one insert, deduplicated by `id`. A group of
 * one batch has the batch's id and no manifest; a larger group is recorded
 * (`<id>.group.json`) before its insert starts, so that a replay repeats the
 * same insert with the same token. Only the same insert: ClickHouse derives
 * the deduplication ids from the token and the insert's source blocks, so the
 * same token over fewer files stores them again
 * (packages/store/test/file-insert-replay.test.ts).
 */
export interface InsertGroup {
  readonly id: string;
  readonly batches: readonly SpooledBatch[];
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

  /**
   * Opens the spool and returns what a previous run left behind, oldest first:
   * recorded groups (to be re-inserted as they were) and single batches.
   */
  static open(dir: string, durable: boolean): { spool: BatchSpool; pending: InsertGroup[] } {
    mkdirSync(dir, { recursive: true });
    const files = readdirSync(dir);
    const batches = new Map<string, SpooledBatch>();
    const referenced = new Set<string>();
    for (const f of files.filter((f) => f.endsWith('.batch.json')).sort()) {
      const batch = readJson<SpooledBatch>(join(dir, f));
      if (!batch) continue;
      for (const t of batch.tables) referenced.add(t.path);
      batches.set(batch.id, batch);
    }
    const pending: InsertGroup[] = [];
    for (const f of files.filter((f) => f.endsWith('.group.json')).sort()) {
      const group = readJson<{ id: string; batches: string[] }>(join(dir, f));
      if (!group) continue;
      const members = group.batches
        .map((id) => batches.get(id))
        .filter((b): b is SpooledBatch => b !== undefined);
      for (const b of members) batches.delete(b.id);
      if (members.length === group.batches.length) {
        // Maybe stored, maybe not: the same insert again, which the store drops if it landed.
        pending.push({ id: group.id, batches: members });
        continue;
      }
      // Batches are removed only after their group's insert (see remove), so the
      // group is stored; the process stopped while forgetting it. Its remaining
      // batches must not be inserted again: ClickHouse deduplicates a repeat by
      // its source blocks, and a subset of the files is not the same insert.
      for (const b of members) {
        rmSync(join(dir, `${b.id}.batch.json`), { force: true });
        for (const t of b.tables) referenced.delete(t.path); // removed below, with the unacknowledged
      }
      rmSync(join(dir, f), { force: true });
    }
    for (const b of batches.values()) pending.push({ id: b.id, batches: [b] });
    // Data files without a manifest belong to batches that were never acknowledged (or forgotten above).
    for (const f of files) {
      const path = join(dir, f);
      if (!f.endsWith('.json') && !referenced.has(path)) rmSync(path, { force: true });
    }
    pending.sort((a, b) => (a.batches[0]!.id < b.batches[0]!.id ? -1 : 1));
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
    const batch: SpooledBatch = {
      id,
      tables: spooled,
      bytes,
      rows: spooled.reduce((n, t) => n + t.count, 0),
    };
    const manifest = join(this.dir, `${id}.batch.json`);
    await writeFile(manifest + '.tmp', JSON.stringify(batch), { flush: this.durable });
    await rename(manifest + '.tmp', manifest);
    if (this.durable) await syncDirectory(this.dir);
    return batch;
  }

  /** Records a group of several batches before its insert starts (see InsertGroup). */
  async recordGroup(group: InsertGroup): Promise<void> {
    if (group.batches.length < 2) return;
    const path = join(this.dir, `${group.id}.group.json`);
    await writeFile(
      path + '.tmp',
      JSON.stringify({ id: group.id, batches: group.batches.map((b) => b.id) }),
      { flush: this.durable },
    );
    await rename(path + '.tmp', path);
    if (this.durable) await syncDirectory(this.dir);
  }

  /**
   * Forgets a group that is in the store: its batches first, then its record.
   * A record that outlives some of its batches thus means "stored" (see open).
   */
  async remove(group: InsertGroup): Promise<void> {
    for (const batch of group.batches) {
      await rm(join(this.dir, `${batch.id}.batch.json`), { force: true });
      await Promise.all(batch.tables.map((t) => rm(t.path, { force: true })));
    }
    if (group.batches.length > 1) await rm(join(this.dir, `${group.id}.group.json`), { force: true });
  }
}

function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    // Manifests are renamed into place whole; an unreadable one was never acknowledged.
    rmSync(path, { force: true });
    return undefined;
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
