import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { backingService } from '../support/backing-services.ts';
import {
  describeSpans,
  fixture,
  runFixture,
  serviceEnv,
  spanOutcomes,
  useBackend,
  uniqueService,
  waitForSpans,
  writeAgentConfig,
  type SpanOutcome,
  type SpanRow,
} from '../support/agent-harness.ts';

// Database clients against real servers, through the agent: pg (PostgreSQL), ioredis and
// node-redis (Redis) in db-app.cjs, inside one manual span ("db-work"); mysql2 against MariaDB
// (Debian's, infra/start.sh mysql) in mysql-app.cjs, inside "mysql-work".
// The mongodb driver is instrumented by the agent too but NOT tested here: no MongoDB server can
// be installed on these machines (Debian has no package, and the npm, PyPI and Maven packages
// that provide one download mongod when they run, which is not allowed here).

const postgres = await backingService('postgres');
const redis = await backingService('redis');
const mysql = await backingService('mysql');
const skip = postgres.skip || redis.skip;

const backend = useBackend();

const FIXTURE = fixture('db-app.cjs');
const LITERAL_SQL =
  "SELECT * FROM (VALUES (42, 'alice@example.com')) AS users(id, email) WHERE id = 42 AND email = 'alice@example.com'";
const SANITIZED_SQL = 'SELECT * FROM (VALUES (?, ?)) AS users(id, email) WHERE id = ? AND email = ?';
const lineOf = (text: string) =>
  String(
    readFileSync(FIXTURE, 'utf8')
      .split('\n')
      .findIndex((l) => l.includes(text)) + 1,
  );
const statementOf = (s: SpanRow | undefined) =>
  s?.SpanAttributes['db.query.text'] ?? s?.SpanAttributes['db.statement'];
const systemOf = (s: SpanRow) => s.SpanAttributes['db.system.name'] ?? s.SpanAttributes['db.system'];

/** Runs the fixture once per configuration (lazily, shared by the tests that read it). */
const runs = new Map<string, Promise<SpanRow[]>>();
function spansOf(mode: 'default' | 'full' | 'off'): Promise<SpanRow[]> {
  let run = runs.get(mode);
  if (!run) {
    run = (async () => {
      const service = uniqueService(`agent-db-${mode}`);
      const config = mode === 'default' ? undefined : writeAgentConfig({ capture: { dbStatements: mode } });
      const result = await runFixture('db-app.cjs', {
        service,
        endpoint: backend().otlpUrl,
        ...(config ? { config } : {}),
        env: serviceEnv({ pg: postgres.url, redis: redis.url }),
      });
      assert.equal(result.stdout, 'done ioredis-secret-value node-redis-secret-value\n');
      return waitForSpans(
        backend(),
        service,
        (rows) =>
          rows.some((s) => s.SpanName === 'db-work') &&
          rows.filter(
            (s) => s.ScopeName === '@opentelemetry/instrumentation-pg' && s.SpanName.startsWith('pg.query'),
          ).length >= 3 &&
          rows.some(
            (s) => s.ScopeName === '@opentelemetry/instrumentation-ioredis' && s.SpanName === 'get',
          ) &&
          rows.some(
            (s) => s.ScopeName === '@opentelemetry/instrumentation-redis' && s.SpanName === 'redis-GET',
          ),
      );
    })();
    runs.set(mode, run);
  }
  return run;
}

function appSpan(spans: SpanRow[]): SpanRow {
  const work = spans.find((s) => s.SpanName === 'db-work');
  assert.ok(work, describeSpans(spans));
  assert.equal(work.SpanKind, 'Internal');
  return work;
}

const pgQueries = (spans: SpanRow[]) =>
  spans.filter(
    (s) => s.ScopeName === '@opentelemetry/instrumentation-pg' && s.SpanName.startsWith('pg.query'),
  );

test(
  'pg: query spans are children of the application span, with statement, system and code context',
  { skip },
  async () => {
    const spans = await spansOf('default');
    const all = describeSpans(spans);
    const work = appSpan(spans);
    const queries = pgQueries(spans);
    for (const q of queries) {
      assert.equal(q.SpanKind, 'Client', all);
      assert.equal(q.TraceId, work.TraceId, all);
      assert.equal(q.ParentSpanId, work.SpanId, `pg query span is a child of db-work\n${all}`);
      assert.equal(systemOf(q), 'postgresql');
      assert.equal(q.SpanAttributes['server.port'], new URL(postgres.url).port);
    }
    const parameterized = queries.find((q) => statementOf(q) === 'SELECT $1::text AS name');
    assert.ok(parameterized, `parameterized statement kept as written ($1 placeholder)\n${all}`);
    assert.equal(parameterized.SpanAttributes['db.query.parameter.1'], undefined, 'no parameters by default');
    assert.equal(parameterized.SpanAttributes['code.file.path'], FIXTURE);
    assert.equal(parameterized.SpanAttributes['code.function.name'], 'runPg');
    assert.equal(parameterized.SpanAttributes['code.line.number'], lineOf("'SELECT $1::text AS name'"));
    for (const s of spans)
      for (const [k, v] of Object.entries(s.SpanAttributes))
        assert.doesNotMatch(
          v,
          /alice-param/,
          `parameter values never leave the process (${s.SpanName} ${k})`,
        );
  },
);

test(
  'pg: literals of a statement are sanitized to ? by default (capture.dbStatements "sanitized")',
  {
    skip,
  },
  async () => {
    const spans = await spansOf('default');
    const literal = pgQueries(spans).find((q) => statementOf(q)?.includes('FROM (VALUES'));
    assert.ok(literal, describeSpans(spans));
    assert.equal(statementOf(literal), SANITIZED_SQL);
    for (const s of spans)
      for (const [k, v] of Object.entries(s.SpanAttributes))
        assert.doesNotMatch(v, /alice@example\.com/, `no literal leaks (${s.SpanName} ${k})`);
  },
);

test(
  'pg: pool.query spans carry the code context of the application line',
  {
    skip,
  },
  async () => {
    const spans = await spansOf('default');
    const pooled = pgQueries(spans).find((q) => statementOf(q)?.endsWith('AS pooled'));
    assert.ok(pooled, describeSpans(spans));
    assert.equal(pooled.SpanAttributes['code.file.path'], FIXTURE, describeSpans([pooled]));
    assert.equal(pooled.SpanAttributes['code.line.number'], lineOf("pool.query('SELECT 7"));
  },
);

for (const [client, scope, getName] of [
  ['ioredis', '@opentelemetry/instrumentation-ioredis', 'get'],
  ['node-redis', '@opentelemetry/instrumentation-redis', 'redis-GET'],
] as const) {
  test(
    `${client}: command spans are children of the application span; statement without values`,
    { skip },
    async () => {
      const spans = await spansOf('default');
      const all = describeSpans(spans);
      const work = appSpan(spans);
      const commands = spans.filter((s) => s.ScopeName === scope);
      assert.ok(commands.length >= 3, all);
      for (const c of commands) {
        assert.equal(c.SpanKind, 'Client', all);
        assert.equal(c.ParentSpanId, work.SpanId, `${client} span is a child of db-work\n${all}`);
        assert.equal(systemOf(c), 'redis', all);
        assert.equal(c.SpanAttributes['server.port'], new URL(redis.url).port);
        assert.doesNotMatch(statementOf(c) ?? '', /secret-value|agent-test:/, 'no keys or values by default');
      }
      const set = commands.find((c) => /^(redis-)?set$/i.test(c.SpanName));
      const get = commands.find((c) => c.SpanName === getName);
      assert.equal(statementOf(set)?.toLowerCase(), 'set ? ?', all);
      assert.equal(statementOf(get)?.toLowerCase(), 'get ?', all);
      assert.equal(get?.SpanAttributes['code.file.path'], FIXTURE, all);
    },
  );
}

test(
  'capture.dbStatements "full": statements with their literals, pg parameters and redis arguments',
  { skip },
  async () => {
    const spans = await spansOf('full');
    const all = describeSpans(spans);
    const queries = pgQueries(spans);
    assert.ok(
      queries.some((q) => statementOf(q) === LITERAL_SQL),
      `literal statement kept in full\n${all}`,
    );
    const parameterized = queries.find((q) => statementOf(q) === 'SELECT $1::text AS name');
    assert.equal(parameterized?.SpanAttributes['db.query.parameter.1'], 'alice-param', all);
    const ioSet = spans.find(
      (s) => s.ScopeName === '@opentelemetry/instrumentation-ioredis' && s.SpanName === 'set',
    );
    assert.match(statementOf(ioSet) ?? '', /^set agent-test:\d+:io ioredis-secret-value$/, all);
    const nodeSet = spans.find(
      (s) => s.ScopeName === '@opentelemetry/instrumentation-redis' && s.SpanName === 'redis-SET',
    );
    assert.match(statementOf(nodeSet) ?? '', /^SET agent-test:\d+:node node-redis-secret-value$/, all);
  },
);

test(
  'capture.dbStatements "off": no statement text on database spans',
  {
    skip,
  },
  async () => {
    const spans = await spansOf('off');
    const all = describeSpans(spans);
    const db = spans.filter(
      (s) => s.SpanKind === 'Client' && systemOf(s) !== undefined && s.SpanName !== 'pg.connect',
    );
    assert.ok(db.length >= 6, all);
    const withStatement = db
      .filter((s) => statementOf(s) !== undefined)
      .map((s) => `${s.SpanName}: ${statementOf(s)}`);
    assert.deepEqual(withStatement, [], 'spans that still carry a statement');
  },
);

// --- mysql2 (MySQL protocol, against MariaDB) ---------------------------------------------------

const MYSQL_FIXTURE = fixture('mysql-app.cjs');
const MYSQL_SCOPE = '@opentelemetry/instrumentation-mysql2';
const mysqlLineOf = (text: string) =>
  String(
    readFileSync(MYSQL_FIXTURE, 'utf8')
      .split('\n')
      .findIndex((l) => l.includes(text)) + 1,
  );
const namespaceOf = (s: SpanRow | undefined) =>
  s?.SpanAttributes['db.namespace'] ?? s?.SpanAttributes['db.name'];

interface MysqlRun {
  spans: SpanRow[];
  outcomes: Map<string, SpanOutcome>;
}

/** The seven mysql2 queries of mysql-app.cjs (two fail). */
const MYSQL_QUERIES = 7;

const mysqlRuns = new Map<string, Promise<MysqlRun>>();
function mysqlRun(mode: 'default' | 'full'): Promise<MysqlRun> {
  let run = mysqlRuns.get(mode);
  if (!run) {
    run = (async () => {
      const service = uniqueService(`agent-mysql-${mode}`);
      const config = mode === 'default' ? undefined : writeAgentConfig({ capture: { dbStatements: mode } });
      const result = await runFixture('mysql-app.cjs', {
        service,
        endpoint: backend().otlpUrl,
        ...(config ? { config } : {}),
        env: serviceEnv({ mysql: mysql.url }),
      });
      assert.equal(
        result.stdout,
        'done 42 alice-param ER_NO_SUCH_TABLE ER_DUP_ENTRY 7\n',
        'the application works as without the agent',
      );
      const spans = await waitForSpans(
        backend(),
        service,
        (rows) =>
          rows.some((s) => s.SpanName === 'mysql-work') &&
          rows.filter((s) => s.ScopeName === MYSQL_SCOPE).length >= MYSQL_QUERIES,
      );
      return { spans, outcomes: await spanOutcomes(backend(), service) };
    })();
    mysqlRuns.set(mode, run);
  }
  return run;
}

const mysqlQueries = (spans: SpanRow[]) => spans.filter((s) => s.ScopeName === MYSQL_SCOPE);

/** The mysql2 span whose statement matches (exactly, or the pattern). */
function mysqlQuery(spans: SpanRow[], statement: string | RegExp): SpanRow {
  const found = mysqlQueries(spans).filter((s) =>
    typeof statement === 'string' ? statementOf(s) === statement : statement.test(statementOf(s) ?? ''),
  );
  assert.equal(
    found.length,
    1,
    `one mysql2 span with statement ${String(statement)}\n${describeSpans(spans)}`,
  );
  return found[0]!;
}

test(
  'mysql2: callback API, promise API and pool spans are client children of the application span, with system, database, server and code context',
  { skip: mysql.skip },
  async () => {
    const { spans } = await mysqlRun('default');
    const all = describeSpans(spans);
    const work = spans.find((s) => s.SpanName === 'mysql-work');
    assert.ok(work, all);
    const queries = mysqlQueries(spans);
    assert.equal(queries.length, MYSQL_QUERIES, `one span per query\n${all}`);
    const url = new URL(mysql.url);
    for (const q of queries) {
      assert.equal(q.SpanKind, 'Client', all);
      assert.equal(q.TraceId, work.TraceId, all);
      assert.equal(q.ParentSpanId, work.SpanId, `mysql2 span is a child of mysql-work\n${all}`);
      assert.equal(systemOf(q), 'mysql', all);
      assert.equal(namespaceOf(q), url.pathname.slice(1), all);
      assert.equal(q.SpanAttributes['server.address'], url.hostname, all);
      assert.equal(q.SpanAttributes['server.port'], url.port, all);
    }

    // Callback API: connection.query(sql, callback).
    const callback = mysqlQuery(spans, /^SELECT \? AS id/);
    assert.equal(callback.SpanName, 'SELECT');
    assert.equal(callback.SpanAttributes['code.file.path'], MYSQL_FIXTURE, all);
    assert.equal(callback.SpanAttributes['code.function.name'], 'runCallbackApi', all);
    assert.equal(callback.SpanAttributes['code.line.number'], mysqlLineOf('connection.query('), all);

    // Promise API: a prepared statement (execute) keeps its placeholder, never the value.
    const prepared = mysqlQuery(spans, 'SELECT ? AS name');
    assert.equal(prepared.SpanAttributes['code.file.path'], MYSQL_FIXTURE, all);
    assert.equal(prepared.SpanAttributes['code.function.name'], 'runPromiseApi', all);
    assert.equal(prepared.SpanAttributes['code.line.number'], mysqlLineOf('connection.execute('), all);
    assert.match(
      mysqlQuery(spans, /^CREATE TEMPORARY TABLE/).SpanAttributes['code.line.number'] ?? '',
      /^\d+$/,
    );

    // A pool query (promise pool): its span too.
    const pooled = mysqlQuery(spans, 'SELECT ? AS pooled');
    assert.equal(pooled.StatusCode, 'Unset', all);
  },
);

test(
  'mysql2: literals are sanitized to ? by default, "double-quoted" MySQL strings and bound values included',
  { skip: mysql.skip },
  async () => {
    const { spans } = await mysqlRun('default');
    assert.equal(statementOf(mysqlQuery(spans, /^SELECT \? AS id/)), 'SELECT ? AS id, ? AS email, ? AS nick');
    // Bound values (query(sql, values), execute) stay placeholders.
    const inserts = mysqlQueries(spans).filter((s) => s.SpanName === 'INSERT');
    assert.equal(inserts.length, 2, describeSpans(spans));
    for (const insert of inserts)
      assert.match(statementOf(insert) ?? '', /^INSERT INTO agent_test_\d+ \(email\) VALUES \(\?\)$/);
    for (const s of spans)
      for (const [k, v] of Object.entries(s.SpanAttributes))
        assert.doesNotMatch(
          v,
          /alice@example\.com|alice-double-quoted|alice-param|bob-secret/,
          `no literal or bound value leaves the process (${s.SpanName} ${k})`,
        );
  },
);

test(
  'mysql2: a failing query ends its span in error, with the server message and the application stack',
  { skip: mysql.skip },
  async () => {
    const { spans, outcomes } = await mysqlRun('default');
    const failed = mysqlQuery(spans, 'SELECT * FROM spyglass_no_such_table');
    const all = describeSpans(spans);
    assert.equal(failed.StatusCode, 'Error', all);
    // The error code and SQLSTATE, not the server's text, which can quote values.
    assert.equal(outcomes.get(failed.SpanId)?.StatusMessage, 'ER_NO_SUCH_TABLE (SQLSTATE 42S02)');
    assert.equal(failed.SpanAttributes['code.function.name'], 'runPromiseApi', all);
    assert.ok(
      failed.SpanAttributes['code.stacktrace']?.startsWith(
        `    at runPromiseApi (${MYSQL_FIXTURE}:${mysqlLineOf('spyglass_no_such_table')}:`,
      ),
      `code.stacktrace from the application frame\n${all}`,
    );
    const ok = mysqlQuery(spans, 'SELECT ? AS name');
    assert.equal(ok.StatusCode, 'Unset', all);
    assert.equal(ok.SpanAttributes['code.stacktrace'], undefined, 'no stack on a query that worked');
    const [first, second] = mysqlQueries(spans).filter((s) => s.SpanName === 'INSERT');
    assert.equal(first?.StatusCode, 'Unset', all);
    assert.equal(second?.StatusCode, 'Error', 'the duplicate-key insert failed');
  },
);

test(
  'capture.dbStatements "full": mysql2 statements with their literals (bound values are not reported)',
  { skip: mysql.skip },
  async () => {
    const { spans } = await mysqlRun('full');
    mysqlQuery(spans, `SELECT 42 AS id, 'alice@example.com' AS email, "alice-double-quoted" AS nick`);
    const prepared = mysqlQuery(spans, 'SELECT ? AS name');
    assert.equal(prepared.SpanAttributes['db.query.parameter.1'], undefined, 'no parameters for mysql2');
    const inserts = mysqlQueries(spans).filter((s) => s.SpanName === 'INSERT');
    assert.equal(inserts.length, 2, describeSpans(spans));
    for (const insert of inserts)
      assert.match(statementOf(insert) ?? '', /^INSERT INTO agent_test_\d+ \(email\) VALUES \(\?\)$/);
  },
);

// What the agent adds to the upstream mysql2 instrumentation (instrumentations.ts recordMysqlErrors,
// call-site-instrumentation.ts).
test(
  'mysql2: a failing query records an exception event with the MySQL error code (as pg does)',
  { skip: mysql.skip },
  async () => {
    const { spans, outcomes } = await mysqlRun('default');
    const failed = mysqlQuery(spans, 'SELECT * FROM spyglass_no_such_table');
    const outcome = outcomes.get(failed.SpanId);
    assert.deepEqual(outcome?.EventNames, ['exception'], describeSpans([failed]));
    assert.equal(outcome?.EventAttributes[0]?.['exception.type'], 'ER_NO_SUCH_TABLE');
    assert.equal(failed.SpanAttributes['error.type'], 'ER_NO_SUCH_TABLE');
  },
);

test(
  'mysql2: no bound value leaves the process through an error message (duplicate key)',
  { skip: mysql.skip },
  async () => {
    const { spans, outcomes } = await mysqlRun('default');
    const duplicate = mysqlQueries(spans).filter((s) => s.SpanName === 'INSERT')[1];
    assert.ok(duplicate, describeSpans(spans));
    const outcome = outcomes.get(duplicate.SpanId);
    assert.ok(outcome, describeSpans(spans));
    assert.doesNotMatch(`${outcome.StatusMessage} ${JSON.stringify(outcome.EventAttributes)}`, /bob-secret/);
  },
);

test(
  'mysql2: pool.query spans carry the code context of the application line (as pg pool.query)',
  { skip: mysql.skip },
  async () => {
    const { spans } = await mysqlRun('default');
    const pooled = mysqlQuery(spans, 'SELECT ? AS pooled');
    assert.equal(pooled.SpanAttributes['code.file.path'], MYSQL_FIXTURE, describeSpans([pooled]));
    assert.equal(pooled.SpanAttributes['code.line.number'], mysqlLineOf('pool.query('));
  },
);
