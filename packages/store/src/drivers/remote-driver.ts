import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { createClient, ClickHouseError, type ClickHouseClient, type DataFormat } from '@clickhouse/client';
import type { FileInsert, QueryOptions, RawQueryOptions, StoreDriver } from './store-driver.ts';
import { assertSafeToken, quoteIdentifier } from './file-insert-sql.ts';
import { StoreError, isRetryableClickHouseCode } from '../store-error.ts';

export interface RemoteDriverOptions {
  /** http(s)://user:password@host:8123/?database=... */
  readonly url: string;
  readonly requestTimeoutMs?: number;
}

/** A ClickHouse server or cluster, through the official client over HTTP. */
export function createRemoteDriver(options: RemoteDriverOptions): StoreDriver {
  const client: ClickHouseClient = createClient({
    url: options.url,
    request_timeout: options.requestTimeoutMs ?? 60_000,
    compression: { request: true, response: true },
    clickhouse_settings: { date_time_input_format: 'best_effort' },
  });

  const guard = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw toStoreError(err);
    }
  };
  const common = (o?: QueryOptions) => ({
    ...(o?.params ? { query_params: o.params as Record<string, unknown> } : {}),
    ...(o?.signal ? { abort_signal: o.signal } : {}),
  });

  return {
    kind: 'remote',
    command: (sql, o) => guard(async () => void (await client.command({ query: sql, ...common(o) }))),
    queryRows: <T>(sql: string, o?: QueryOptions) =>
      guard(async () => (await client.query({ query: sql, format: 'JSONEachRow', ...common(o) })).json<T>()),
    queryRaw: (sql: string, o: RawQueryOptions) =>
      guard(async () => {
        const rs = await client.exec({
          query: sql,
          clickhouse_settings: { default_format: o.format as DataFormat },
          ...common(o),
        });
        const chunks: Buffer[] = [];
        for await (const chunk of rs.stream) chunks.push(chunk as Buffer);
        return Buffer.concat(chunks);
      }),
    insertFile: (insert: FileInsert) =>
      guard(async () => {
        assertSafeToken(insert.dedupToken);
        const columns = insert.columns.map(([name]) => quoteIdentifier(name)).join(', ');
        const rs = await client.exec({
          query: `INSERT INTO ${insert.table} (${columns}) FORMAT RowBinary`,
          // RowBinary files concatenate: one request body, one insert block.
          values: Readable.from(concatFiles(insert.paths)),
          clickhouse_settings: { insert_deduplication_token: insert.dedupToken },
        });
        for await (const _ of rs.stream) {
          // drain the (empty) response so the socket is released
        }
      }),
    version: () =>
      guard(async () => {
        const rows = await (
          await client.query({ query: 'SELECT version() AS v', format: 'JSONEachRow' })
        ).json<{ v: string }>();
        return rows[0]?.v ?? 'unknown';
      }),
    close: () => client.close(),
  };
}

async function* concatFiles(paths: readonly string[]): AsyncGenerator<Buffer> {
  for (const path of paths) for await (const chunk of createReadStream(path)) yield chunk as Buffer;
}

function toStoreError(err: unknown): StoreError {
  if (err instanceof StoreError) return err;
  if (err instanceof ClickHouseError) {
    const code = Number(err.code);
    return new StoreError(err.message, code, isRetryableClickHouseCode(code), { cause: err });
  }
  // Connection refused, reset, timeouts: the server may come back.
  const message = err instanceof Error ? err.message : String(err);
  return new StoreError(`ClickHouse is unreachable: ${message}`, 0, true, { cause: err });
}
