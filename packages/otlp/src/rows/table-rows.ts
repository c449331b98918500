/**
 * Rows for one table, in JSONCompactEachRow (one JSON array per line, values
 * positionally matching `columns`). This is what the pipeline batches, logs to
 * its write-ahead log and inserts.
 */
export interface TableRows {
  readonly table: string;
  readonly columns: readonly string[];
  /** Newline-terminated JSON lines. */
  readonly body: string;
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

/** Accumulates rows of one table. */
export class TableRowsBuilder {
  private body = '';
  count = 0;
  constructor(
    readonly table: string,
    readonly columns: readonly string[],
  ) {}

  /** Appends one row: `values` are the JSON texts of the columns, in order. */
  push(row: string): void {
    this.body += row;
    this.count++;
  }

  build(): TableRows {
    return { table: this.table, columns: this.columns, body: this.body, count: this.count };
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
