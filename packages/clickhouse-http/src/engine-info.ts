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

/** Read once per driver: the API's SQL runner and the ClickHouse interface share the result. */
const loaded = new WeakMap<StoreDriver, Promise<EngineInfo>>();

export function loadEngineInfo(driver: StoreDriver): Promise<EngineInfo> {
  let info = loaded.get(driver);
  if (!info) {
    info = readEngineInfo(driver);
    loaded.set(driver, info);
    // A failed read is not cached: the next caller tries again.
    info.catch(() => loaded.delete(driver));
  }
  return info;
}

async function readEngineInfo(driver: StoreDriver): Promise<EngineInfo> {
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
