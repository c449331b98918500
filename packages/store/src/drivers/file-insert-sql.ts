import type { FileInsert } from './store-driver.ts';

const SAFE_TOKEN = /^[A-Za-z0-9_./:-]{1,200}$/;
const SAFE_TABLE = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;

export function quoteIdentifier(name: string): string {
  return '`' + name.replace(/\\/g, '\\\\').replace(/`/g, '\\`') + '`';
}

export function assertSafeToken(token: string): void {
  if (!SAFE_TOKEN.test(token)) throw new RangeError(`unsafe deduplication token "${token}"`);
}

function quoteString(s: string): string {
  return "'" + s.replace(/\\/g, '\\\\').replace(/'/g, "\\'") + "'";
}

/**
 * `INSERT ... SELECT * FROM file(path, 'RowBinary', structure)`: the engine
 * reads and parses the batch file itself. Every part is ours (table and
 * column names from the schema, a generated token and path), and still quoted.
 */
export function fileInsertSql(insert: FileInsert): string {
  if (!SAFE_TABLE.test(insert.table)) throw new RangeError(`unsafe table name "${insert.table}"`);
  assertSafeToken(insert.dedupToken);
  const columns = insert.columns.map(([name]) => quoteIdentifier(name)).join(', ');
  const structure = insert.columns.map(([name, type]) => `${quoteIdentifier(name)} ${type}`).join(', ');
  return (
    `INSERT INTO ${insert.table} (${columns}) ` +
    `SETTINGS insert_deduplication_token = ${quoteString(insert.dedupToken)} ` +
    `SELECT * FROM file(${quoteString(insert.path)}, 'RowBinary', ${quoteString(structure)})`
  );
}
