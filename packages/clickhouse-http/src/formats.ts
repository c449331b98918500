import type { StoreDriver } from '@spyglass/store';
import { ClickHouseHttpError, ErrorCode } from './errors.ts';

/** An output format as the engine knows it: its canonical name and HTTP Content-Type. */
export interface OutputFormat {
  readonly name: string;
  readonly contentType: string;
}

interface CatalogEntry extends OutputFormat {
  readonly isOutput: boolean;
}

export const DEFAULT_FORMAT = 'TabSeparated';

/**
 * The engine's formats, looked up case-insensitively (as ClickHouse does).
 * Resolving to the canonical spelling also matters for chDB: its Node binding
 * treats the exact format name `arrow` specially.
 */
export class FormatCatalog {
  private readonly byName = new Map<string, CatalogEntry>();

  constructor(entries: Iterable<CatalogEntry>) {
    for (const entry of entries) this.byName.set(entry.name.toLowerCase(), entry);
  }

  /** The output format called `name`; throws UNKNOWN_FORMAT or FORMAT_IS_NOT_SUITABLE_FOR_OUTPUT. */
  resolve(name: string): OutputFormat {
    const entry = this.byName.get(name.toLowerCase());
    if (!entry) throw new ClickHouseHttpError(ErrorCode.UNKNOWN_FORMAT, `Unknown format ${name}`);
    if (!entry.isOutput) {
      throw new ClickHouseHttpError(
        ErrorCode.FORMAT_IS_NOT_SUITABLE_FOR_OUTPUT,
        `Format ${entry.name} is not suitable for output`,
      );
    }
    return { name: entry.name, contentType: entry.contentType };
  }
}

interface FormatRow {
  name: string;
  is_output: number;
  content_type: string;
}

/** Reads system.formats (name, whether it can output, its Content-Type). */
export async function loadFormatCatalog(driver: StoreDriver): Promise<FormatCatalog> {
  const rows = await driver.queryRows<FormatRow>('SELECT name, is_output, content_type FROM system.formats');
  return new FormatCatalog(
    rows.map((r) => ({
      name: r.name,
      isOutput: Number(r.is_output) === 1,
      contentType: r.content_type || 'text/plain; charset=UTF-8',
    })),
  );
}
