import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSearch, renderSql } from '@spyglass/query';
import {
  errorsOnly,
  lucene,
  quoteSearchValue,
  redSpansQuery,
  searchHref,
  slowerThan,
  sqlString,
  traceHref,
} from '../src/lib/red-search.ts';

test('values are quoted for exact matches, quotes and backslashes escaped', () => {
  assert.equal(quoteSearchValue('POST /charge'), '"POST /charge"');
  assert.equal(quoteSearchValue('say "hi" \\o/'), '"say \\"hi\\" \\\\o/"');
  const parsed = renderSql(parseSearch(`span:${quoteSearchValue('say "hi" \\o/')}`), 'traces');
  assert.ok(Object.values(parsed.params).includes('say "hi" \\o/'), JSON.stringify(parsed.params));
});

test("a service's spans are its entry spans; an operation's are its span name", () => {
  assert.equal(redSpansQuery('orders'), 'service:"orders" (kind:Server OR kind:Consumer)');
  assert.equal(redSpansQuery('payments', 'POST /charge'), 'service:"payments" span:"POST /charge"');
});

test('errors and slow spans narrow a search in either language', () => {
  const q = lucene(redSpansQuery('payments', 'POST /charge'));
  assert.equal(errorsOnly(q).text, 'service:"payments" span:"POST /charge" status:Error');
  assert.equal(slowerThan(q, 137.46).text, 'service:"payments" span:"POST /charge" duration:>=137.4');
  const sql = { language: 'sql', text: "ServiceName = 'x'" } as const;
  assert.equal(errorsOnly(sql).text, "(ServiceName = 'x') AND StatusCode IN ('Error', 'STATUS_CODE_ERROR')");
  assert.equal(slowerThan(sql, 2.5).text, "(ServiceName = 'x') AND Duration >= 2500000");
});

test('every Lucene search built here parses', () => {
  const q = lucene(redSpansQuery('web', 'GET /a "b"'));
  for (const text of [q.text, errorsOnly(q).text, slowerThan(q, 0.04).text, redSpansQuery('web')]) {
    assert.doesNotThrow(() => parseSearch(text), text);
  }
});

test('SQL strings escape quotes and backslashes', () => {
  assert.equal(sqlString("o'brien\\"), "'o\\'brien\\\\'");
});

test('links keep the range as the URL has it and encode the query', () => {
  const href = searchHref('logs', 'service:"a b"', { from: 'now-1h', to: 'now' });
  const url = new URL(href, 'http://x');
  assert.equal(url.pathname, '/search');
  assert.equal(url.searchParams.get('signal'), 'logs');
  assert.equal(url.searchParams.get('q'), 'service:"a b"');
  assert.equal(url.searchParams.get('from'), 'now-1h');
  assert.equal(url.searchParams.get('to'), 'now');
  assert.equal(url.searchParams.get('lang'), null, 'Lucene is the default');
  const sql = new URL(searchHref('traces', { language: 'sql', text: "ServiceName = 'a'" }, { from: '1', to: '2' }), 'http://x');
  assert.equal(sql.searchParams.get('lang'), 'sql');
  assert.equal(sql.searchParams.get('q'), "ServiceName = 'a'");
  assert.equal(traceHref('abc', 'def'), '/trace/abc?span=def');
  assert.equal(traceHref('abc'), '/trace/abc');
});
