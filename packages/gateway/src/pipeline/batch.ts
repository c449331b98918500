import type { Column, TableRows } from '@spyglass/otlp';

/** Rows of one table inside an open batch: RowBinary chunks from many requests. */
export interface OpenTable {
  readonly table: string;
  readonly columns: readonly Column[];
  readonly parts: Buffer[];
  count: number;
}

/** Groups rows by table while a batch is open (before it is sealed into files). */
export class OpenBatch {
  readonly tables = new Map<string, OpenTable>();
  bytes = 0;
  rows = 0;

  add(tables: readonly TableRows[]): void {
    for (const t of tables) {
      let entry = this.tables.get(t.table);
      if (!entry) {
        entry = { table: t.table, columns: t.columns, parts: [], count: 0 };
        this.tables.set(t.table, entry);
      }
      entry.parts.push(t.body);
      entry.count += t.count;
      this.bytes += t.body.length;
      this.rows += t.count;
    }
  }
}
