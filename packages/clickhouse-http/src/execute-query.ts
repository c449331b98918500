import type { QueryParams, StoreDriver } from '@spyglass/store';
import {
  READ_STATEMENTS,
  assertWrittenAsReadStatement,
  canonicalize,
  leadingKeyword,
} from './canonical-query.ts';
import type { EngineInfo } from './engine-info.ts';
import { ClickHouseHttpError, ErrorCode, toClickHouseHttpError } from './errors.ts';
import { DEFAULT_FORMAT, type OutputFormat } from './formats.ts';
import { placeholderTypes, toEngineParamValue } from './param-values.ts';
import { applyLimits, type QueryLimits } from './query-limits.ts';
import type { ParsedRequest } from './parse-request.ts';
import { assertNoIntoOutfile, assertReadOnlySafe, readOnlyViolation } from './read-only-guard.ts';
import { FORBIDDEN_SETTINGS, isReadOnlySafeSetting } from './settings-policy.ts';
import { tokenize } from './sql-tokens.ts';
import { executeInsertWithData, parseInsertWithData } from './insert-with-data.ts';
import { joinStatement, quoteString, splitStatement, type SettingAssignment } from './statement-tail.ts';

export interface QueryContext {
  readonly driver: StoreDriver;
  readonly info: EngineInfo;
  /** Only reads may run (server in read-only mode, a GET request, or readonly=1 sent). */
  readonly readOnly: boolean;
  readonly signal: AbortSignal;
  readonly limits: QueryLimits;
  /** Why the request is read-only, appended to the error of a refused write. */
  readonly readOnlyReason?: string;
}

export interface QueryResult {
  readonly body: Buffer;
  readonly format: OutputFormat;
}

/**
 * Runs one request's query. A read statement is run as ClickHouse re-formatted
 * it, with its trailing FORMAT/SETTINGS clauses merged with the URL settings,
 * and in read-only mode with `readonly = 1` as the last setting. Anything else
 * is refused in read-only mode, or run as written otherwise.
 */
export async function executeQuery(req: ParsedRequest, ctx: QueryContext): Promise<QueryResult> {
  if (req.sql.trim() === '') throw new ClickHouseHttpError(ErrorCode.SYNTAX_ERROR, 'Empty query');
  await checkDatabase(req.database, ctx);
  if (req.insertCandidate) {
    // The statement in the URL, its rows in the body (any input format, binary included).
    const insert = parseInsertWithData(await canonicalize(ctx.driver, req.insertCandidate.statement, ctx.signal));
    if (insert) {
      if (ctx.readOnly) throw readOnlyViolation(ctx.readOnlyReason);
      const settings = mergeSettings(urlSettings(req.settings, ctx), insert.settings, ctx);
      await executeInsertWithData(ctx.driver, insert, req.insertCandidate.data, settings, ctx.info.currentDatabase);
      return { body: Buffer.alloc(0), format: defaultFormatOf(req, ctx) };
    }
  }
  const canonical = await canonicalize(ctx.driver, req.sql, ctx.signal);
  const tokens = tokenize(canonical);
  assertNoIntoOutfile(tokens);
  const params = engineParams(req.params, placeholderTypes(canonical, tokens));
  const keyword = leadingKeyword(tokens) ?? '';
  const defaultFormat = () => ctx.info.formats.resolve(req.defaultFormat ?? DEFAULT_FORMAT);

  if (!READ_STATEMENTS.has(keyword)) {
    if (ctx.readOnly) throw readOnlyViolation(ctx.readOnlyReason);
    if (SESSION_STATEMENTS.has(keyword)) throw sessionStatementRefused(keyword);
    const format = defaultFormat();
    return { body: await run(ctx, req.sql, format.name, params), format };
  }

  assertWrittenAsReadStatement(req.sql);
  if (ctx.readOnly) assertReadOnlySafe(tokens, ctx.info.settings);
  const parts = splitStatement(canonical, tokens);
  const format = ctx.info.formats.resolve(parts.format ?? req.defaultFormat ?? DEFAULT_FORMAT);
  const settings = mergeSettings(urlSettings(req.settings, ctx), parts.settings, ctx);
  const sql = joinStatement(parts.body, parts.format === undefined ? undefined : format.name, settings);
  return { body: await run(ctx, sql, format.name, params), format };
}

function defaultFormatOf(req: ParsedRequest, ctx: QueryContext): OutputFormat {
  return ctx.info.formats.resolve(req.defaultFormat ?? DEFAULT_FORMAT);
}

/**
 * Statements that change the engine session. The store has one session,
 * shared with ingestion, so their effect would outlive the request and reach
 * everyone; ClickHouse's HTTP interface (without session_id) forgets them.
 */
const SESSION_STATEMENTS: ReadonlySet<string> = new Set(['SET', 'USE']);

function sessionStatementRefused(keyword: string): ClickHouseHttpError {
  return new ClickHouseHttpError(
    ErrorCode.NOT_IMPLEMENTED,
    `${keyword} is not supported: sessions are not supported and the engine session is shared; ` +
      'pass settings as URL parameters or in a SETTINGS clause, and qualify table names with their database',
  );
}

async function run(ctx: QueryContext, sql: string, format: string, params: QueryParams): Promise<Buffer> {
  try {
    return await ctx.driver.queryRaw(sql, {
      format,
      signal: ctx.signal,
      ...(Object.keys(params).length > 0 ? { params } : {}),
    });
  } catch (err) {
    throw toClickHouseHttpError(err);
  }
}

function engineParams(raw: ReadonlyMap<string, string>, types: ReadonlyMap<string, string>): QueryParams {
  const params: Record<string, string | null> = {};
  for (const [name, value] of raw) {
    // Placeholders are named by identifiers; anything else cannot be referenced.
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) params[name] = toEngineParamValue(value, types.get(name));
  }
  return params;
}

/** URL parameters that are settings the engine knows (and, when read-only, harmless ones). */
function urlSettings(candidates: ReadonlyMap<string, string>, ctx: QueryContext): SettingAssignment[] {
  const out: SettingAssignment[] = [];
  for (const [name, value] of candidates) {
    const canonical = ctx.info.settings.get(name.toLowerCase());
    if (canonical === undefined || FORBIDDEN_SETTINGS.has(canonical.toLowerCase())) continue;
    if (ctx.readOnly && !isReadOnlySafeSetting(canonical)) continue;
    out.push({ name: canonical, value: quoteString(value) });
  }
  return out;
}

/**
 * URL settings, then the query's own (which win), then the server's limits,
 * then readonly = 1 when read-only (last, so that everything before it is
 * applied in the same batch); one entry per name.
 */
function mergeSettings(
  fromUrl: readonly SettingAssignment[],
  fromQuery: readonly SettingAssignment[],
  ctx: QueryContext,
): SettingAssignment[] {
  const merged = new Map<string, SettingAssignment>();
  for (const s of [...fromUrl, ...fromQuery]) {
    merged.delete(s.name.toLowerCase());
    merged.set(s.name.toLowerCase(), s);
  }
  applyLimits(merged, ctx.limits);
  if (ctx.readOnly) {
    merged.delete('readonly');
    merged.set('readonly', { name: 'readonly', value: '1' });
  }
  return [...merged.values()];
}

/**
 * The engine has no per-query "current database": a request may name the
 * current one (or none); another one is refused with a clear error rather than
 * silently resolving table names in the wrong database.
 */
async function checkDatabase(database: string | undefined, ctx: QueryContext): Promise<void> {
  if (database === undefined || database === ctx.info.currentDatabase) return;
  const rows = await ctx.driver
    .queryRows('SELECT 1 FROM system.databases WHERE name = {d:String}', { params: { d: database } })
    .catch((err: unknown) => {
      throw toClickHouseHttpError(err);
    });
  if (rows.length === 0) {
    throw new ClickHouseHttpError(ErrorCode.UNKNOWN_DATABASE, `Database ${database} does not exist`);
  }
  throw new ClickHouseHttpError(
    ErrorCode.NOT_IMPLEMENTED,
    `Selecting database '${database}' per request is not supported by this endpoint (the current database is ` +
      `'${ctx.info.currentDatabase}'); qualify table names instead, e.g. ${database}.my_table`,
  );
}
