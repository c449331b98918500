import type { StoreDriver } from '@spyglass/store';
import { loadFormatCatalog, type FormatCatalog } from './formats.ts';

/** Facts about the engine read once when the server starts. */
export interface EngineInfo {
  readonly version: string;
  readonly timezone: string;
  /** The database unqualified table names resolve in. */
  readonly currentDatabase: string;
  readonly formats: FormatCatalog;
  /** Every setting name (and alias) the engine knows, lower-cased -> canonical spelling. */
  readonly settings: ReadonlyMap<string, string>;
}

export async function loadEngineInfo(driver: StoreDriver): Promise<EngineInfo> {
  const [facts] = await driver.queryRows<{ version: string; timezone: string; db: string }>(
    'SELECT version() AS version, timezone() AS timezone, currentDatabase() AS db',
  );
  const settingRows = await driver.queryRows<{ name: string }>('SELECT name FROM system.settings');
  return {
    version: facts?.version ?? 'unknown',
    timezone: facts?.timezone ?? 'UTC',
    currentDatabase: facts?.db ?? 'default',
    formats: await loadFormatCatalog(driver),
    settings: new Map(settingRows.map((r) => [r.name.toLowerCase(), r.name])),
  };
}
