import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explainSearch, parseSearch, renderSql, SearchSyntaxError, type Signal } from '../src/index.ts';

/**
 * Golden table of the search language: adding a feature means adding a row.
 * Each row: the query, the signal, the SQL with its typed parameters, and the
 * English explanation.
 */
const GOLDEN: Array<{
  q: string;
  signal: Signal;
  sql: string;
  params: Record<string, string | number>;
  explain: string;
}> = [
  { q: '', signal: 'logs', sql: 'true', params: {}, explain: 'everything' },
  {
    q: 'timeout',
    signal: 'logs',
    sql: 'hasToken(lower(Body), {p0:String})',
    params: { p0: 'timeout' },
    explain: 'Body has the word timeout',
  },
  {
    q: 'TimeOut',
    signal: 'traces',
    sql: 'hasToken(lower(SpanName), {p0:String})',
    params: { p0: 'timeout' },
    explain: 'SpanName has the word TimeOut',
  },
  {
    q: 'foo bar',
    signal: 'logs',
    sql: 'hasToken(lower(Body), {p0:String}) AND hasToken(lower(Body), {p1:String})',
    params: { p0: 'foo', p1: 'bar' },
    explain: 'Body has the word foo and Body has the word bar',
  },
  {
    q: '"connection refused"',
    signal: 'logs',
    sql: '(hasToken(lower(Body), {p0:String}) AND hasToken(lower(Body), {p1:String}) AND positionCaseInsensitiveUTF8(Body, {p2:String}) > 0)',
    params: { p0: 'connection', p1: 'refused', p2: 'connection refused' },
    explain: 'Body contains "connection refused"',
  },
  {
    q: 'user-42',
    signal: 'logs',
    sql: '(hasToken(lower(Body), {p0:String}) AND hasToken(lower(Body), {p1:String}) AND positionCaseInsensitiveUTF8(Body, {p2:String}) > 0)',
    params: { p0: 'user', p1: '42', p2: 'user-42' },
    explain: 'Body has the word user-42',
  },
  {
    q: 'time*',
    signal: 'logs',
    sql: 'Body ILIKE {p0:String}',
    params: { p0: 'time%' },
    explain: 'Body starts with time',
  },
  {
    q: '*out',
    signal: 'logs',
    sql: 'Body ILIKE {p0:String}',
    params: { p0: '%out' },
    explain: 'Body ends with out',
  },
  {
    q: 'service:checkout',
    signal: 'traces',
    sql: 'ServiceName ILIKE {p0:String}',
    params: { p0: '%checkout%' },
    explain: 'service contains checkout',
  },
  {
    q: 'ServiceName:"checkout"',
    signal: 'traces',
    sql: 'ServiceName = {p0:String}',
    params: { p0: 'checkout' },
    explain: 'ServiceName is "checkout"',
  },
  {
    q: 'level:error',
    signal: 'logs',
    sql: 'SeverityText ILIKE {p0:String}',
    params: { p0: '%error%' },
    explain: 'level contains error',
  },
  {
    q: 'msg:100%_done\\\\',
    signal: 'logs',
    sql: 'LogAttributes[{p0:String}] ILIKE {p1:String}',
    params: { p0: 'msg', p1: '%100\\%\\_done\\\\%' },
    explain: "LogAttributes['msg'] contains 100%_done\\",
  },
  {
    q: 'http.route:/api',
    signal: 'traces',
    sql: 'SpanAttributes[{p0:String}] ILIKE {p1:String}',
    params: { p0: 'http.route', p1: '%/api%' },
    explain: "SpanAttributes['http.route'] contains /api",
  },
  {
    q: 'http.route:/api duration:>250',
    signal: 'traces',
    sql: 'SpanAttributes[{p0:String}] ILIKE {p1:String} AND Duration > {p2:Float64}',
    params: { p0: 'http.route', p1: '%/api%', p2: 250_000_000 },
    explain: "SpanAttributes['http.route'] contains /api and duration is greater than 250 ms",
  },
  {
    q: 'http.method:"GET"',
    signal: 'traces',
    sql: '(has(SpanAttributeItems, {p1:String}) AND SpanAttributes[{p0:String}] = {p2:String})',
    params: { p0: 'http.method', p1: 'http.method=GET', p2: 'GET' },
    explain: 'SpanAttributes[\'http.method\'] is "GET"',
  },
  {
    q: 'LogAttributes.error.message:Failed',
    signal: 'logs',
    sql: 'LogAttributes[{p0:String}] ILIKE {p1:String}',
    params: { p0: 'error.message', p1: '%Failed%' },
    explain: "LogAttributes['error.message'] contains Failed",
  },
  {
    // Present and not empty, as HyperDX's notEmpty(); mapContains lets the key index skip granules.
    q: 'k8s.pod.name:*',
    signal: 'logs',
    sql: '(mapContains(ResourceAttributes, {p1:String}) AND notEmpty(ResourceAttributes[{p0:String}]))',
    params: { p0: 'k8s.pod.name', p1: 'k8s.pod.name' },
    explain: "ResourceAttributes['k8s.pod.name'] exists",
  },
  // HyperDX parity rows (see the note of session 1):
  {
    q: 'service:check*',
    signal: 'traces',
    sql: 'ServiceName ILIKE {p0:String}',
    params: { p0: '%check%' },
    explain: 'service contains check',
  },
  {
    q: 'service:*out',
    signal: 'traces',
    sql: 'ServiceName ILIKE {p0:String}',
    params: { p0: '%out%' },
    explain: 'service contains out',
  },
  {
    q: 'service:(*out)',
    signal: 'traces',
    sql: 'ServiceName ILIKE {p0:String}',
    params: { p0: '%out' },
    explain: 'service ends with out',
  },
  {
    q: 'ServiceName:("foo bar")',
    signal: 'traces',
    sql: 'ServiceName ILIKE {p0:String}',
    params: { p0: '%foo bar%' },
    explain: 'ServiceName contains foo bar',
  },
  {
    q: 'Échec',
    signal: 'logs',
    sql: 'hasToken(lower(Body), {p0:String})',
    params: { p0: 'Échec' },
    explain: 'Body has the word Échec',
  },
  {
    q: 'http://example.com/a',
    signal: 'logs',
    sql: '(hasToken(lower(Body), {p0:String}) AND hasToken(lower(Body), {p1:String}) AND hasToken(lower(Body), {p2:String}) AND hasToken(lower(Body), {p3:String}) AND positionCaseInsensitiveUTF8(Body, {p4:String}) > 0)',
    params: { p0: 'http', p1: 'example', p2: 'com', p3: 'a', p4: 'http://example.com/a' },
    explain: 'Body has the word http://example.com/a',
  },
  {
    q: 'Duration:>250',
    signal: 'traces',
    sql: 'Duration > {p0:Float64}',
    params: { p0: 250 },
    explain: 'Duration is greater than 250',
  },
  { q: 'service:*', signal: 'logs', sql: 'notEmpty(ServiceName)', params: {}, explain: 'service exists' },
  {
    q: 'user.id:*42*',
    signal: 'traces',
    sql: 'SpanAttributes[{p0:String}] ILIKE {p1:String}',
    params: { p0: 'user.id', p1: '%42%' },
    explain: "SpanAttributes['user.id'] contains 42",
  },
  {
    q: 'user.id:(*42)',
    signal: 'traces',
    sql: 'SpanAttributes[{p0:String}] ILIKE {p1:String}',
    params: { p0: 'user.id', p1: '%42' },
    explain: "SpanAttributes['user.id'] ends with 42",
  },
  {
    q: 'message:(disk full)',
    signal: 'logs',
    sql: 'LogAttributes[{p0:String}] ILIKE {p1:String} AND LogAttributes[{p2:String}] ILIKE {p3:String}',
    params: { p0: 'message', p1: '%disk%', p2: 'message', p3: '%full%' },
    explain: "LogAttributes['message'] contains disk and LogAttributes['message'] contains full",
  },
  {
    q: '-level:debug',
    signal: 'logs',
    sql: 'NOT (SeverityText ILIKE {p0:String})',
    params: { p0: '%debug%' },
    explain: 'not (level contains debug)',
  },
  {
    q: 'NOT level:debug',
    signal: 'logs',
    sql: 'NOT (SeverityText ILIKE {p0:String})',
    params: { p0: '%debug%' },
    explain: 'not (level contains debug)',
  },
  {
    q: '-timeout',
    signal: 'logs',
    sql: 'NOT (hasToken(lower(Body), {p0:String}))',
    params: { p0: 'timeout' },
    explain: 'not (Body has the word timeout)',
  },
  {
    q: 'SeverityNumber:>=17',
    signal: 'logs',
    sql: 'SeverityNumber >= {p0:Float64}',
    params: { p0: 17 },
    explain: 'SeverityNumber is at least 17',
  },
  {
    q: 'http.status_code:>=500',
    signal: 'traces',
    sql: 'toFloat64OrNull(SpanAttributes[{p0:String}]) >= {p1:Float64}',
    params: { p0: 'http.status_code', p1: 500 },
    explain: "SpanAttributes['http.status_code'] is at least 500",
  },
  {
    q: 'duration:[100 TO 500}',
    signal: 'traces',
    sql: '(Duration >= {p0:Float64} AND Duration < {p1:Float64})',
    params: { p0: 100_000_000, p1: 500_000_000 },
    explain: 'duration is at least 100 ms and less than 500 ms',
  },
  {
    q: 'duration:[* TO 5]',
    signal: 'traces',
    sql: 'Duration <= {p0:Float64}',
    params: { p0: 5_000_000 },
    explain: 'duration is at most 5 ms',
  },
  {
    q: 'TraceFlags:true',
    signal: 'logs',
    sql: 'TraceFlags = {p0:Float64}',
    params: { p0: 1 },
    explain: 'TraceFlags is true',
  },
  {
    q: 'a OR b c',
    signal: 'logs',
    sql: 'hasToken(lower(Body), {p0:String}) OR (hasToken(lower(Body), {p1:String}) AND hasToken(lower(Body), {p2:String}))',
    params: { p0: 'a', p1: 'b', p2: 'c' },
    explain: 'Body has the word a or Body has the word b and Body has the word c',
  },
  {
    q: '(a || b) && -c',
    signal: 'logs',
    sql: '(hasToken(lower(Body), {p0:String}) OR hasToken(lower(Body), {p1:String})) AND NOT (hasToken(lower(Body), {p2:String}))',
    params: { p0: 'a', p1: 'b', p2: 'c' },
    explain: '(Body has the word a or Body has the word b) and not (Body has the word c)',
  },
  {
    // Hostile text only ever travels as a parameter.
    q: 'service:"x\'); DROP TABLE otel_logs; --"',
    signal: 'logs',
    sql: 'ServiceName = {p0:String}',
    params: { p0: "x'); DROP TABLE otel_logs; --" },
    explain: 'service is "x\'); DROP TABLE otel_logs; --"',
  },
  {
    // A hostile field name is a map key parameter, never an identifier.
    q: String.raw`x'\]\)\ OR\ 1=1:y`,
    signal: 'traces',
    sql: 'SpanAttributes[{p0:String}] ILIKE {p1:String}',
    params: { p0: "x']) OR 1=1", p1: '%y%' },
    explain: "SpanAttributes['x']) OR 1=1'] contains y",
  },
];

for (const row of GOLDEN) {
  test(`search ${JSON.stringify(row.q)} on ${row.signal}`, () => {
    const tree = parseSearch(row.q);
    const rendered = renderSql(tree, row.signal);
    assert.equal(rendered.sql, row.sql);
    assert.deepEqual(rendered.params, row.params);
    assert.equal(explainSearch(tree, row.signal), row.explain);
  });
}

const ERRORS: Array<[string, number, RegExp]> = [
  ['service:', 7, /col 8: expected a value after ':'/],
  ["service:x'); DROP TABLE otel_logs; --", 10, /col 11: unexpected '\)' without a matching '\('/],
  ['"unclosed', 0, /col 1: expected a closing '"'/],
  ['(a OR b', 7, /col 8: expected '\)'/],
  ['a OR', 4, /expected a search term after OR/],
  ['a )', 2, /unexpected '\)' without a matching '\('/],
  ['duration:[1 5]', 12, /expected 'TO' in the range/],
  ['NOT', 3, /expected a search term after NOT/],
];

for (const [q, position, message] of ERRORS) {
  test(`syntax error in ${JSON.stringify(q)} names its position and what was expected`, () => {
    assert.throws(
      () => parseSearch(q),
      (err: unknown) =>
        err instanceof SearchSyntaxError && err.position === position && message.test(err.message),
    );
  });
}
