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
 * `INSERT ... SELECT * FROM file(path, 'RowBinary', structure) [UNION ALL ...]`:
 * the engine reads and parses the batch files itself (several in parallel).
 * Every part is ours (table and column names from the schema, a generated
 * token and paths), and still quoted. The rows of all files are squashed into
 * one insert block, so a retried insert with the same token is deduplicated
 * whole.
 */
export function fileInsertSql(insert: FileInsert): string {
  if (!SAFE_TABLE.test(insert.table)) throw new RangeError(`unsafe table name "${insert.table}"`);
  assertSafeToken(insert.dedupToken);
  const columns = insert.columns.map(([name]) => quoteIdentifier(name)).join(', ');
  const structure = insert.columns.map(([name, type]) => `${quoteIdentifier(name)} ${type}`).join(', ');
  if (insert.paths.length === 0) throw new RangeError('no files to insert');
  const sources = insert.paths
    .map((path) => `SELECT * FROM file(${quoteString(path)}, 'RowBinary', ${quoteString(structure)})`)
    .join(' UNION ALL ');
  return `INSERT INTO ${insert.table} (${columns}) SETTINGS insert_deduplication_token = ${quoteString(insert.dedupToken)} ${sources}`;
}
