import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, ftruncateSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

/**
 * An append-only write-ahead log of sealed batches, so that a request can be
 * acknowledged as soon as its batch is on disk, before it is in the store.
 *
 * Record: [u32 payload length][u32 crc32 of type+id+payload][u8 type][u32 id length][id][payload].
 * Types: BATCH (payload = the batch) and DONE (the batch with that id is in the store).
 * A torn or corrupt tail (a crash mid-append) ends the log: such a record was
 * never acknowledged, because acknowledgement waits for the fsync.
 * Segments roll over at `segmentBytes`; a segment whose batches are all DONE is deleted.
 */
const TYPE_BATCH = 1;
const TYPE_DONE = 2;
const HEADER = 8;

export interface WalRecord {
  readonly id: string;
  readonly payload: Buffer;
}

export class WriteAheadLog {
  private handle: FileHandle | undefined;
  /** The segment being appended to. */
  private current = 0;
  private segmentSize = 0;
  /** Batch ids not yet DONE, by segment. */
  private readonly open = new Map<number, Set<string>>();
  private readonly segmentOf = new Map<string, number>();
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly dir: string,
    private readonly segmentBytes: number,
  ) {}

  /**
   * Opens the log in `dir` and returns it with the batches that were logged but
   * never marked DONE, oldest first: they must be replayed into the store.
   */
  static async open(dir: string, segmentBytes = 64 * 1024 * 1024): Promise<{ wal: WriteAheadLog; pending: WalRecord[] }> {
    mkdirSync(dir, { recursive: true });
    const wal = new WriteAheadLog(dir, segmentBytes);
    const segments = listSegments(dir);
    const pending = new Map<string, { segment: number; payload: Buffer }>();
    for (const seg of segments) {
      const path = segmentPath(dir, seg);
      const buf = readFileSync(path);
      const { records, validBytes } = parseRecords(buf);
      if (validBytes < buf.length) {
        // Torn tail: cut it so that later appends follow a valid record.
        const fd = openSync(path, 'r+');
        ftruncateSync(fd, validBytes);
        fsyncSync(fd);
        closeSync(fd);
      }
      for (const r of records) {
        if (r.type === TYPE_BATCH) pending.set(r.id, { segment: seg, payload: r.payload });
        else pending.delete(r.id);
      }
    }
    for (const [id, { segment }] of pending) wal.track(id, segment);
    // Segments with nothing pending are finished.
    for (const seg of segments) if (!wal.open.has(seg)) rmSync(segmentPath(dir, seg), { force: true });
    wal.current = segments.at(-1) ?? 0;
    await wal.roll();
    return { wal, pending: [...pending].map(([id, v]) => ({ id, payload: v.payload })) };
  }

  /** Appends a batch and returns once it is on stable storage. */
  appendBatch(id: string, payload: Buffer): Promise<void> {
    return this.serial(async () => {
      if (this.segmentSize >= this.segmentBytes) await this.roll();
      await this.write(TYPE_BATCH, id, payload);
      this.track(id, this.current);
    });
  }

  /** Records that batch `id` is in the store; may delete the segment that held it. */
  markDone(id: string): Promise<void> {
    return this.serial(async () => {
      const seg = this.segmentOf.get(id);
      if (seg === undefined) return;
      await this.write(TYPE_DONE, id, Buffer.alloc(0));
      this.segmentOf.delete(id);
      const set = this.open.get(seg);
      set?.delete(id);
      if (set && set.size === 0 && seg !== this.current) {
        this.open.delete(seg);
        rmSync(segmentPath(this.dir, seg), { force: true });
      }
    });
  }

  close(): Promise<void> {
    return this.serial(async () => {
      await this.handle?.close();
      this.handle = undefined;
    });
  }

  private track(id: string, seg: number): void {
    let set = this.open.get(seg);
    if (!set) this.open.set(seg, (set = new Set()));
    set.add(id);
    this.segmentOf.set(id, seg);
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Closes the current segment (deleting it when nothing in it is pending) and starts the next. */
  private async roll(): Promise<void> {
    const previous = this.current;
    if (this.handle) {
      await this.handle.close();
      if (!this.open.has(previous)) rmSync(segmentPath(this.dir, previous), { force: true });
    }
    this.current = previous + 1;
    this.handle = await open(segmentPath(this.dir, this.current), 'a');
    this.segmentSize = 0;
  }

  private async write(type: number, id: string, payload: Buffer): Promise<void> {
    if (!this.handle) throw new Error('write-ahead log is closed');
    const idBytes = Buffer.from(id, 'utf8');
    const body = Buffer.allocUnsafe(1 + 4 + idBytes.length);
    body[0] = type;
    body.writeUInt32LE(idBytes.length, 1);
    idBytes.copy(body, 5);
    const header = Buffer.allocUnsafe(HEADER);
    header.writeUInt32LE(payload.length, 0);
    header.writeUInt32LE(crc32(payload, crc32(body)), 4);
    await this.handle.writev([header, body, payload]);
    await this.handle.datasync();
    this.segmentSize += HEADER + body.length + payload.length;
  }
}

function segmentPath(dir: string, seg: number): string {
  return join(dir, `segment-${String(seg).padStart(10, '0')}.wal`);
}

function listSegments(dir: string): number[] {
  return readdirSync(dir)
    .map((f) => /^segment-(\d+)\.wal$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

function parseRecords(buf: Buffer): { records: Array<{ type: number; id: string; payload: Buffer }>; validBytes: number } {
  const records: Array<{ type: number; id: string; payload: Buffer }> = [];
  let pos = 0;
  while (pos + HEADER + 5 <= buf.length) {
    const len = buf.readUInt32LE(pos);
    const crc = buf.readUInt32LE(pos + 4);
    const type = buf[pos + HEADER]!;
    const idLen = buf.readUInt32LE(pos + HEADER + 1);
    const idStart = pos + HEADER + 5;
    const payloadStart = idStart + idLen;
    const end = payloadStart + len;
    if (end > buf.length || (type !== TYPE_BATCH && type !== TYPE_DONE)) break;
    const body = buf.subarray(pos + HEADER, payloadStart);
    const payload = buf.subarray(payloadStart, end);
    if (crc32(payload, crc32(body)) !== crc) break;
    records.push({ type, id: buf.toString('utf8', idStart, payloadStart), payload });
    pos = end;
  }
  return { records, validBytes: pos };
}
