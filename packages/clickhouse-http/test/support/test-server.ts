import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmbeddedDriver, type StoreDriver } from '@spyglass/store';
import { createClickHouseHttpServer, type ClickHouseHttpServerOptions } from '../../src/index.ts';

/**
 * One embedded store per test file (chDB allows a single data path per
 * process), with a small table `events`, and helpers to start servers on it.
 */
export interface TestStore {
  readonly driver: StoreDriver;
  /** Starts a server on a free port; it is stopped by close(). */
  serve(options?: Partial<Omit<ClickHouseHttpServerOptions, 'driver'>>): Promise<string>;
  close(): Promise<void>;
}

export async function openTestStore(): Promise<TestStore> {
  const dir = mkdtempSync(join(tmpdir(), 'spyglass-ch-http-'));
  const driver = createEmbeddedDriver(dir);
  await driver.command(
    'CREATE TABLE IF NOT EXISTS events (id UInt64, name String, at DateTime64(3)) ENGINE = MergeTree ORDER BY id',
  );
  await driver.command(
    "INSERT INTO events VALUES (1, 'alpha', '2024-01-01 00:00:00.000'), (2, 'beta', '2024-01-02 00:00:00.000'), (18446744073709551615, 'max', '2024-01-03 00:00:00.000')",
  );
  const servers: Array<{ shutdown(): Promise<void> }> = [];
  return {
    driver,
    async serve(options = {}) {
      const server = createClickHouseHttpServer({ driver, host: '127.0.0.1', port: 0, ...options });
      servers.push(server);
      const { port } = await server.start();
      return `http://127.0.0.1:${port}`;
    },
    async close() {
      for (const s of servers) await s.shutdown();
      await driver.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** POSTs `sql` to `/` with optional URL parameters. */
export function post(base: string, sql: string, params: Record<string, string> = {}, init: RequestInit = {}) {
  return fetch(`${base}/?${new URLSearchParams(params).toString()}`, { method: 'POST', body: sql, ...init });
}
