import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { backingService } from '../support/backing-services.ts';
import {
  describeSpans,
  fixture,
  runFixture,
  serviceEnv,
  useBackend,
  uniqueService,
  waitForSpans,
  writeAgentConfig,
  type SpanRow,
} from '../support/agent-harness.ts';

// Database clients against real servers, through the agent: pg (PostgreSQL), ioredis and
// node-redis (Redis). The fixture runs everything inside one manual span ("db-work").
// mysql2 and mongodb are instrumented by the agent too, but no MySQL or MongoDB server exists
// in this environment (infra/ starts PostgreSQL, Redis, RabbitMQ and Kafka only), so they are
// not tested against a server here.

const postgres = await backingService('postgres');
const redis = await backingService('redis');
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
