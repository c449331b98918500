import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoreDriver } from '@spyglass/store';
import { ClickHouseHttpError, ErrorCode, toClickHouseHttpError } from './errors.ts';
import { isKeyword, isName, isPunct, tokenize, type Token } from './sql-tokens.ts';
import { quoteName, quoteString, splitStatement, type SettingAssignment } from './statement-tail.ts';

/** `INSERT INTO [db.]table [(columns)] [SETTINGS ...] FORMAT <format>` whose rows are the request body. */
export interface InsertWithData {
  readonly database: string | undefined;
  readonly table: string;
  readonly columns: readonly string[] | undefined;
  readonly format: string;
  readonly settings: readonly SettingAssignment[];
}

/**
 * Recognises an INSERT whose data is the request body (how ClickHouse clients
 * send rows: the statement in the URL, the rows in any input format in the
 * body). Returns undefined for any other statement. `canonical` is the
 * statement as ClickHouse re-formatted it.
 */
export function parseInsertWithData(canonical: string): InsertWithData | undefined {
  const tokens = tokenize(canonical);
  if (!isKeyword(tokens[0], 'INSERT') || !isKeyword(tokens[1], 'INTO')) return undefined;
  const parts = splitStatement(canonical, tokens);
  if (parts.format === undefined) return undefined;
  const body = tokenize(parts.body);
  let k = 2;
  const first = body[k];
  if (!isName(first) || isKeyword(first, 'FUNCTION') || isKeyword(first, 'TABLE')) return undefined;
  let database: string | undefined;
  let table = first.value;
  k++;
  if (isPunct(body[k], '.') && isName(body[k + 1])) {
    database = table;
    table = (body[k + 1] as Token).value;
    k += 2;
  }
  let columns: string[] | undefined;
  if (isPunct(body[k], '(')) {
    columns = [];
    for (k++; k < body.length && !isPunct(body[k], ')'); k++) {
      const t = body[k];
      if (isPunct(t, ',')) continue;
      if (
        !isName(t) ||
        (body[k + 1]?.kind === 'punct' && !isPunct(body[k + 1], ',') && !isPunct(body[k + 1], ')'))
      )
        return undefined;
      columns.push(t.value);
    }
    k++;
  }
  if (k !== body.length) return undefined; // VALUES, SELECT, ... : not rows in the body
  return { database, table, columns, format: parts.format, settings: parts.settings };
}

/**
 * Inserts the body's rows: the engine reads them from a temporary file with
 * the file() table function in the request's format (any input format, binary
 * ones included), typed by the target columns. URL settings such as
 * insert_deduplication_token apply as they would on a ClickHouse server.
 */
export async function executeInsertWithData(
  driver: StoreDriver,
  insert: InsertWithData,
  data: Buffer,
  settings: readonly SettingAssignment[],
  currentDatabase: string,
): Promise<void> {
  const database = insert.database ?? currentDatabase;
  const columns = await targetColumns(driver, database, insert.table, insert.columns);
  const dir = await mkdtemp(join(tmpdir(), 'spyglass-insert-'));
  const path = join(dir, 'rows');
  try {
    await writeFile(path, data);
    const names = columns.map((c) => quoteName(c.name)).join(', ');
    const structure = columns.map((c) => `${quoteName(c.name)} ${c.type}`).join(', ');
    // Settings go before SELECT: there they apply to the insert (deduplication token and all).
    const sql =
      `INSERT INTO ${quoteName(database)}.${quoteName(insert.table)} (${names}) ` +
      (settings.length > 0 ? `SETTINGS ${settingsList(settings)} ` : '') +
      `SELECT * FROM file(${quoteString(path)}, ${quoteString(insert.format)}, ${quoteString(structure)})`;
    await driver.command(sql);
  } catch (err) {
    throw toClickHouseHttpError(err);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function settingsList(settings: readonly SettingAssignment[]): string {
  return settings.map((s) => `${quoteName(s.name)} = ${s.value}`).join(', ');
}

async function targetColumns(
  driver: StoreDriver,
  database: string,
  table: string,
  listed: readonly string[] | undefined,
): Promise<Array<{ name: string; type: string }>> {
  const rows = await driver
    .queryRows<{ name: string; type: string; default_kind: string }>(
      'SELECT name, type, default_kind FROM system.columns WHERE database = {d:String} AND table = {t:String} ORDER BY position',
      { params: { d: database, t: table } },
    )
    .catch((err: unknown) => {
      throw toClickHouseHttpError(err);
    });
  if (rows.length === 0) {
    throw new ClickHouseHttpError(ErrorCode.UNKNOWN_TABLE, `Table ${database}.${table} does not exist`);
  }
  if (!listed)
    return rows.filter(
      (c) =>
        c.default_kind !== 'MATERIALIZED' && c.default_kind !== 'ALIAS' && c.default_kind !== 'EPHEMERAL',
    );
  return listed.map((name) => {
    const column = rows.find((c) => c.name === name);
    if (!column)
      throw new ClickHouseHttpError(
        ErrorCode.NO_SUCH_COLUMN_IN_TABLE,
        `No such column ${name} in table ${database}.${table}`,
      );
    return column;
  });
}
