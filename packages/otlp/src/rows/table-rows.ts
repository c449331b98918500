import { RowBinaryWriter } from './row-binary-writer.ts';

/** A column of an insert: its name and its ClickHouse type, as the RowBinary payload encodes it. */
export type Column = readonly [name: string, type: string];

/**
 * Rows for one table, in RowBinary, values positionally matching `columns`.
 * This is what the pipeline batches, logs to its write-ahead log and inserts.
 */
export interface TableRows {
  readonly table: string;
  readonly columns: readonly Column[];
  readonly body: Buffer;
  readonly count: number;
}

/** The outcome of mapping one export request. */
export interface MappedRequest {
  readonly tables: TableRows[];
  /** Records (spans, log records, data points) that will be stored. */
  readonly accepted: number;
  /** Records rejected as invalid (counted in the OTLP partial success). */
  readonly rejected: number;
  /** The first few reasons for rejection, for the partial-success message. */
  readonly errors: string[];
}

export const MAX_ERROR_MESSAGES = 5;

/** Accumulates the RowBinary rows of one table. */
export class TableRowsBuilder {
  readonly w: RowBinaryWriter;
  count = 0;
  constructor(
    readonly table: string,
    readonly columns: readonly Column[],
    /** Expected size; RowBinary rows of traces are about 1.1x their protobuf. */
    initialBytes = 64 * 1024,
  ) {
    this.w = new RowBinaryWriter(initialBytes);
  }

  build(): TableRows {
    return { table: this.table, columns: this.columns, body: this.w.view(), count: this.count };
  }
}

/** Collects rejection reasons, keeping only the first few messages. */
export class Rejections {
  count = 0;
  readonly messages: string[] = [];
  add(message: string): void {
    this.count++;
    if (this.messages.length < MAX_ERROR_MESSAGES) this.messages.push(message);
  }
}

/** `name Type, ...` for ClickHouse's file()/input() structure argument. */
export function structureOf(columns: readonly Column[]): string {
  return columns.map(([name, type]) => '`' + name + '` ' + type).join(', ');
}
