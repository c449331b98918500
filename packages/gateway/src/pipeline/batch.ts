import type { TableRows } from '@spyglass/otlp';

/** Rows of one table inside a batch. */
export interface BatchTable {
  readonly table: string;
  readonly columns: readonly string[];
  readonly body: Buffer;
  readonly count: number;
}

/** A sealed batch: the unit that is logged, inserted (idempotently, by id) and acknowledged. */
export interface Batch {
  readonly id: string;
  readonly tables: BatchTable[];
  readonly bytes: number;
}

/** Groups rows by table while a batch is open. */
export class OpenBatch {
  private readonly byTable = new Map<string, { columns: readonly string[]; parts: string[]; count: number }>();
  bytes = 0;
  rows = 0;
  readonly waiters: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];
  readonly openedAt = Date.now();

  add(tables: readonly TableRows[]): void {
    for (const t of tables) {
      let entry = this.byTable.get(t.table);
      if (!entry) this.byTable.set(t.table, (entry = { columns: t.columns, parts: [], count: 0 }));
      entry.parts.push(t.body);
      entry.count += t.count;
      this.bytes += t.body.length;
      this.rows += t.count;
    }
  }

  seal(id: string): Batch {
    const tables: BatchTable[] = [];
    let bytes = 0;
    for (const [table, e] of this.byTable) {
      const body = Buffer.from(e.parts.join(''), 'utf8');
      bytes += body.length;
      tables.push({ table, columns: e.columns, body, count: e.count });
    }
    return { id, tables, bytes };
  }
}

/** Serialises a batch for the write-ahead log: a JSON header line, then the table bodies. */
export function encodeBatch(batch: Batch): Buffer {
  const header = JSON.stringify(
    batch.tables.map((t) => ({ table: t.table, columns: t.columns, count: t.count, bytes: t.body.length })),
  );
  return Buffer.concat([Buffer.from(header + '\n', 'utf8'), ...batch.tables.map((t) => t.body)]);
}

export function decodeBatch(id: string, payload: Buffer): Batch {
  const nl = payload.indexOf(10);
  const header = JSON.parse(payload.toString('utf8', 0, nl)) as Array<{
    table: string;
    columns: string[];
    count: number;
    bytes: number;
  }>;
  let pos = nl + 1;
  const tables = header.map((h) => {
    const body = payload.subarray(pos, pos + h.bytes);
    pos += h.bytes;
    return { table: h.table, columns: h.columns, count: h.count, body };
  });
  return { id, tables, bytes: pos - nl - 1 };
}
