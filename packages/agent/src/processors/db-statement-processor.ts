import { SpanKind, type Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ConfigStore } from '../config/config-store.ts';
import { sanitizeSql, type SqlDialect } from '../capture/sql-sanitizer.ts';

/** Statement attributes across semantic-convention versions. */
const STATEMENT_KEYS = ['db.statement', 'db.query.text'] as const;

/**
 * Database statements by policy: `sanitized` (default) replaces the literals
 * of SQL statements by `?` (at start and again before the end, as some
 * instrumentations set the statement late), so values never leave the process; `off` drops the statement; `full` keeps it (the instrumentations
 * then also report parameters).
 */
export class DbStatementProcessor implements SpanProcessor {
  constructor(private readonly config: ConfigStore) {}

  onStart(span: Span, _parentContext: Context): void {
    this.apply(span);
  }

  /** Again just before the end: some instrumentations (pg) set the statement after the span started. */
  onEnding(span: Span): void {
    this.apply(span);
  }

  private apply(span: Span): void {
    // Database calls are client spans: the others (every server and internal span) skip the lookups.
    if (span.kind !== SpanKind.CLIENT) return;
    const mode = this.config.capture.dbStatements;
    if (mode === 'full') return;
    const attributes = span.attributes;
    for (const key of STATEMENT_KEYS) {
      const statement = attributes[key];
      if (typeof statement !== 'string') continue;
      if (mode === 'off') delete (attributes as Record<string, unknown>)[key];
      else {
        const dialect = sqlDialect(attributes);
        if (dialect) span.setAttribute(key, this.sanitized(statement, dialect));
      }
    }
  }

  /**
   * Applications run the same statements over and over (and each is seen at start and again
   * before the end): remember the sanitized text of recent ones, up to SANITIZED_CACHE entries.
   */
  private readonly caches: Record<SqlDialect, Map<string, string>> = {
    standard: new Map(),
    mysql: new Map(),
  };

  private sanitized(statement: string, dialect: SqlDialect): string {
    const cache = this.caches[dialect];
    let out = cache.get(statement);
    if (out !== undefined) return out;
    out = sanitizeSql(statement, dialect);
    if (statement.length <= MAX_CACHED_STATEMENT) {
      if (cache.size >= SANITIZED_CACHE) cache.clear();
      cache.set(statement, out);
      // A sanitized statement sanitizes to itself: the check before the end finds it too.
      cache.set(out, out);
    }
    return out;
  }

  onEnd(_span: ReadableSpan): void {}
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

const SANITIZED_CACHE = 1000;
const MAX_CACHED_STATEMENT = 4096;

const NOT_SQL = new Set(['redis', 'mongodb', 'memcached', 'elasticsearch', 'cassandra']);
/** Systems whose "..." is a string literal (db.system / db.system.name values). */
const MYSQL_DIALECT = new Set(['mysql', 'mariadb']);

/** How to read the span's statement as SQL; undefined when it is not SQL. */
function sqlDialect(attributes: ReadableSpan['attributes']): SqlDialect | undefined {
  const system = attributes['db.system.name'] ?? attributes['db.system'];
  if (typeof system !== 'string') return 'standard';
  if (NOT_SQL.has(system)) return undefined;
  return MYSQL_DIALECT.has(system) ? 'mysql' : 'standard';
}
