import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UpConfigSchema, startSpyglass, type RunningSpyglass, type UpConfigInput } from '@spyglass/cli';

/**
 * Starts a real all-in-one on free ports and a fresh data folder.
 * chDB allows one data path per process; node's test runner isolates test
 * files in processes, so call this once per file.
 */
export async function startTestSpyglass(
  overrides: Partial<UpConfigInput> = {},
): Promise<RunningSpyglass & { dataDir: string }> {
  const dataDir = overrides.dataDir ?? mkdtempSync(join(tmpdir(), 'spyglass-test-'));
  const config = UpConfigSchema.parse({
    dataDir,
    httpPort: 0,
    otlpGrpcPort: 0,
    otlpHttpPort: 0,
    clickhousePort: 0,
    logLevel: 'warn',
    ...overrides,
    ingest: { flushIntervalMs: 50, ...overrides.ingest },
  });
  const running = await startSpyglass(config);
  return Object.assign(running, { dataDir });
}

/** Polls a query until `done(rows)` holds, so tests wait for the background insert. */
export async function waitForRows<T>(
  running: RunningSpyglass,
  sql: string,
  done: (rows: T[]) => boolean,
  timeoutMs = 15_000,
): Promise<T[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await running.store.driver.queryRows<T>(sql);
    if (done(rows)) return rows;
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting for rows of: ${sql}\nlast result: ${JSON.stringify(rows).slice(0, 500)}`,
      );
    await new Promise((r) => setTimeout(r, 50));
  }
}
