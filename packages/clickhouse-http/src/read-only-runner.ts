import type { StoreDriver } from '@spyglass/store';
import { loadEngineInfo } from './engine-info.ts';
import { executeQuery } from './execute-query.ts';
import type { ParsedRequest } from './parse-request.ts';
import { DEFAULT_QUERY_LIMITS, type QueryLimits } from './query-limits.ts';

/**
 * Runs untrusted SQL with the same guard as the HTTP interface in read-only mode; returns the
 * result as text, in `defaultFormat` (JSONEachRow unless given) or the statement's own FORMAT.
 */
export type ReadOnlyQueryRunner = (
  sql: string,
  params?: Readonly<Record<string, string | number>>,
  signal?: AbortSignal,
  defaultFormat?: string,
) => Promise<string>;

/**
 * The read-only guard of the ClickHouse HTTP interface as a function, for the
 * API's SQL console and raw-SQL searches: one statement, reads only,
 * readonly=1, no file/url/remote table functions, execution time and result
 * size caps. Failures are ClickHouseHttpErrors (code 164 READONLY for writes).
 */
export async function createReadOnlyQueryRunner(
  driver: StoreDriver,
  limits: QueryLimits = DEFAULT_QUERY_LIMITS,
): Promise<ReadOnlyQueryRunner> {
  const info = await loadEngineInfo(driver);
  return async (sql, params = {}, signal, defaultFormat = 'JSONEachRow') => {
    const request: ParsedRequest = {
      sql,
      // Values in the HTTP interface's text form: backslash escapes, as ClickHouse clients send them.
      params: new Map(
        Object.entries(params).map(([k, v]) => [k, typeof v === 'number' ? String(v) : escapeText(v)]),
      ),
      settings: new Map(),
      defaultFormat,
      database: undefined,
      queryId: undefined,
      readOnlyRequested: true,
      responseEncoding: undefined,
      compressionLevel: 3,
      cors: false,
      clientProtocolVersion: 0,
      insertCandidate: undefined,
    };
    const result = await executeQuery(request, {
      driver,
      info,
      readOnly: true,
      signal: signal ?? new AbortController().signal,
      limits,
    });
    return result.body.toString('utf8');
  };
}

function escapeText(value: string): string {
  return value.replace(/[\\\t\n]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : '\\n'));
}
