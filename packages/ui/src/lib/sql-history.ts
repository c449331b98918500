/** The SQL console's recent queries, newest first, kept in the browser. */
const KEY = 'spyglass.sqlHistory';
const MAX = 30;

export function readSqlHistory(storage: Pick<Storage, 'getItem'> = localStorage): string[] {
  try {
    const parsed: unknown = JSON.parse(storage.getItem(KEY) ?? '[]');
    return Array.isArray(parsed) ? parsed.filter((s): s is string => typeof s === 'string') : [];
  } catch {
    return [];
  }
}

export function rememberSql(
  sql: string,
  storage: Pick<Storage, 'getItem' | 'setItem'> = localStorage,
): string[] {
  const list = [sql, ...readSqlHistory(storage).filter((s) => s !== sql)].slice(0, MAX);
  storage.setItem(KEY, JSON.stringify(list));
  return list;
}
