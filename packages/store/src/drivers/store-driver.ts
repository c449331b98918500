/** Typed query parameters: `{name:Type}` placeholders in the SQL, values sent apart from it. */
export type QueryParams = Record<string, string | number | bigint | boolean | null | readonly unknown[]>;

export interface QueryOptions {
  readonly params?: QueryParams;
  readonly signal?: AbortSignal;
}

export interface RawQueryOptions extends QueryOptions {
  /** A ClickHouse output format name, used when the SQL has no FORMAT clause. */
  readonly format: string;
}

/** A column of a RowBinary payload: name and ClickHouse type. */
export type ColumnSpec = readonly [name: string, type: string];

/** Rows in RowBinary in local files (the ingest pipeline's durable batch files), inserted as one. */
export interface FileInsert {
  readonly table: string;
  readonly columns: readonly ColumnSpec[];
  /** One or more files; together they must stay under ClickHouse's min_insert_block_size_rows (one block). */
  readonly paths: readonly string[];
  /**
   * Makes the insert idempotent: a retried insert with the same token is
   * dropped by ClickHouse's block deduplication.
   */
  readonly dedupToken: string;
}

/**
 * The one small interface both storage engines implement, with the same SQL.
 * Every method is asynchronous and never blocks the event loop.
 * Errors are `StoreError`s (see store-error.ts).
 */
export interface StoreDriver {
  readonly kind: 'embedded' | 'remote';
  /** Runs a statement that returns nothing (DDL, ALTER, ...). */
  command(sql: string, options?: QueryOptions): Promise<void>;
  /** Runs a query and returns its rows as objects (JSONEachRow; 64-bit integers as strings). */
  queryRows<T = Record<string, unknown>>(sql: string, options?: QueryOptions): Promise<T[]>;
  /** Runs a query and returns the formatted result bytes. */
  queryRaw(sql: string, options: RawQueryOptions): Promise<Buffer>;
  /**
   * Inserts a RowBinary file. The embedded engine reads the file itself (no
   * bytes cross into JavaScript); a remote server receives it streamed.
   */
  insertFile(insert: FileInsert): Promise<void>;
  /** Server version, e.g. "26.7.2.1". */
  version(): Promise<string>;
  close(): Promise<void>;
}
