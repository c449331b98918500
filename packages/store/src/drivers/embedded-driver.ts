import { mkdirSync } from 'node:fs';
import { Session } from 'chdb';
import type { FileInsert, QueryOptions, RawQueryOptions, StoreDriver } from './store-driver.ts';
import { fileInsertSql } from './file-insert-sql.ts';
import { StoreError, isRetryableClickHouseCode, parseClickHouseCode } from '../store-error.ts';

/**
 * The embedded engine: chDB, ClickHouse in-process, data on disk under `path`.
 * Uses chDB's async paths only (they run on the libuv pool), so the event loop
 * is never blocked by the database.
 */
export function createEmbeddedDriver(path: string): StoreDriver {
  mkdirSync(path, { recursive: true });
  const session = new Session(path);
  let closed = false;

  const run = async (sql: string, format: string, options?: QueryOptions): Promise<Buffer> => {
    if (closed) throw new StoreError('The embedded store is closed', 0, false);
    try {
      const opts = options?.signal ? { format, signal: options.signal } : { format };
      const result = options?.params
        ? await session.queryBindAsync(sql, options.params, opts)
        : await session.queryAsync(sql, opts);
      const bytes = result.bytes();
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (err) {
      throw toStoreError(err);
    }
  };

  return {
    kind: 'embedded',
    async command(sql, options) {
      await run(sql, 'TSV', options);
    },
    async queryRows<T>(sql: string, options?: QueryOptions) {
      const text = (await run(sql, 'JSONEachRow', options)).toString('utf8');
      return parseJsonEachRow<T>(text);
    },
    queryRaw(sql: string, options: RawQueryOptions) {
      return run(sql, options.format, options);
    },
    async insertFile(insert: FileInsert) {
      await run(fileInsertSql(insert), 'TSV');
    },
    async version() {
      const rows = await this.queryRows<{ v: string }>('SELECT version() AS v');
      return rows[0]?.v ?? 'unknown';
    },
    close() {
      if (!closed) {
        closed = true;
        session.close();
      }
      return Promise.resolve();
    },
  };
}

export function parseJsonEachRow<T>(text: string): T[] {
  const rows: T[] = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    if (end > start) rows.push(JSON.parse(text.slice(start, end)) as T);
    start = end + 1;
  }
  return rows;
}

function toStoreError(err: unknown): StoreError {
  if (err instanceof StoreError) return err;
  const e = err as { message?: string; clickhouseCode?: number };
  const message = e?.message ?? String(err);
  const code = typeof e?.clickhouseCode === 'number' ? e.clickhouseCode : parseClickHouseCode(message);
  return new StoreError(message, code, isRetryableClickHouseCode(code), { cause: err });
}
