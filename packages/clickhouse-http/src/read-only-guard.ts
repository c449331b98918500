import { ClickHouseHttpError, ErrorCode } from './errors.ts';
import { FORBIDDEN_SETTINGS, isReadOnlySafeSetting } from './settings-policy.ts';
import { isKeyword, isName, isPunct, type Token } from './sql-tokens.ts';

/**
 * Functions and table functions that reach outside the store: files, URLs,
 * object stores, other servers, programs. The engine's readonly=1 stops most
 * table functions but not all of them (the scalar `file()` reads any file,
 * `DESCRIBE TABLE file(...)` reads a file's header), so they are refused by
 * name before the query runs.
 */
const EXTERNAL_FUNCTIONS: ReadonlySet<string> = new Set([
  'file',
  'filecluster',
  'filesystem',
  'url',
  'urlcluster',
  's3',
  's3cluster',
  'gcs',
  'oss',
  'cosn',
  'azureblobstorage',
  'azureblobstoragecluster',
  'hdfs',
  'hdfscluster',
  'remote',
  'remotesecure',
  'cluster',
  'clusterallreplicas',
  'mysql',
  'postgresql',
  'mongodb',
  'redis',
  'sqlite',
  'jdbc',
  'odbc',
  'executable',
  'input',
  'eval',
  'catboostevaluate',
  'arrowstream',
  'ytsaurus',
]);
const EXTERNAL_FUNCTION_PREFIXES = ['iceberg', 'deltalake', 'hudi', 'paimon'];

function isExternalFunction(name: string): boolean {
  const n = name.toLowerCase();
  return EXTERNAL_FUNCTIONS.has(n) || EXTERNAL_FUNCTION_PREFIXES.some((p) => n.startsWith(p));
}

/**
 * Checks a canonical read statement (see canonical-query.ts) before it runs in
 * read-only mode. The engine then also runs it with readonly=1; these checks
 * close the gaps readonly=1 leaves in chDB:
 * - a setting assignment anywhere (`name = value` where name is a setting,
 *   e.g. in a subquery's SETTINGS clause, which the engine applies without
 *   checking readonly) must be a harmless one (settings-policy.ts);
 * - no function that reads files, URLs or other servers;
 * - DESCRIBE only of tables, not of table functions or subqueries.
 */
export function assertReadOnlySafe(
  tokens: readonly Token[],
  knownSettings: ReadonlyMap<string, string>,
): void {
  let statement: string | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    const next = tokens[i + 1];
    if (statement === undefined && t.kind === 'word') statement = t.value.toUpperCase();
    if (!isName(t)) continue;
    const lower = t.value.toLowerCase();
    if (
      isPunct(next, '=') &&
      (FORBIDDEN_SETTINGS.has(lower) || (knownSettings.has(lower) && !isReadOnlySafeSetting(lower)))
    ) {
      throw new ClickHouseHttpError(
        ErrorCode.READONLY,
        `Cannot modify '${t.value}' setting in readonly mode`,
      );
    }
    if (isPunct(next, '(') && isExternalFunction(t.value)) {
      throw new ClickHouseHttpError(
        ErrorCode.READONLY,
        `Cannot execute query in readonly mode: ${t.value}() reads data from outside the store`,
      );
    }
  }
  if ((statement === 'DESCRIBE' || statement === 'DESC') && tokens.some((t) => isPunct(t, '('))) {
    throw new ClickHouseHttpError(
      ErrorCode.READONLY,
      'Cannot execute query in readonly mode: DESCRIBE is allowed for tables only, not for table functions or subqueries',
    );
  }
}

/** `INTO OUTFILE` writes a file on the server; ClickHouse's HTTP interface never allows it. */
export function assertNoIntoOutfile(tokens: readonly Token[]): void {
  for (let i = 0; i + 1 < tokens.length; i++) {
    if (isKeyword(tokens[i], 'INTO') && isKeyword(tokens[i + 1], 'OUTFILE')) {
      throw new ClickHouseHttpError(ErrorCode.INTO_OUTFILE_NOT_ALLOWED, 'INTO OUTFILE is not allowed');
    }
  }
}

/** The error for a statement that is not a read; `reason` says why the request is read-only. */
export function readOnlyViolation(reason?: string): ClickHouseHttpError {
  const text = 'default: Cannot execute query in readonly mode';
  return new ClickHouseHttpError(ErrorCode.READONLY, reason ? `${text}. ${reason}` : text);
}
