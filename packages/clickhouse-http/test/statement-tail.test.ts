import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tokenize } from '../src/sql-tokens.ts';
import { joinStatement, quoteName, quoteString, splitStatement } from '../src/statement-tail.ts';

// Unit tests (no engine): the lexer and the FORMAT/SETTINGS tail of canonical statements.

const split = (sql: string) => splitStatement(sql, tokenize(sql));

test('the lexer skips comments and reads quoted text with escapes', () => {
  const tokens = tokenize("SELECT 'it\\'s' AS `a``b`, \"c\" -- x\n /* a /* nested */ b */ FROM t # c");
  assert.deepEqual(
    tokens.map((t) => [t.kind, t.value]),
    [
      ['word', 'SELECT'],
      ['string', "it's"],
      ['word', 'AS'],
      ['quoted', 'a`b'],
      ['punct', ','],
      ['quoted', 'c'],
      ['word', 'FROM'],
      ['word', 't'],
    ],
  );
  const depths = tokenize('f(a, [b], {c:1}) x').map((t) => `${t.text}@${t.depth}`);
  assert.deepEqual(depths, [
    'f@0',
    '(@0',
    'a@1',
    ',@1',
    '[@1',
    'b@2',
    ']@1',
    ',@1',
    '{@1',
    'c@2',
    ':@2',
    '1@2',
    '}@1',
    ')@0',
    'x@0',
  ]);
  assert.deepEqual(
    tokenize("'unterminated").map((t) => t.kind),
    ['string'],
  );
});

test('trailing FORMAT and SETTINGS clauses are split off', () => {
  assert.deepEqual(split('SELECT 1'), { body: 'SELECT 1', format: undefined, settings: [] });
  assert.deepEqual(split('SELECT 1 FORMAT JSON'), { body: 'SELECT 1', format: 'JSON', settings: [] });
  assert.deepEqual(split("SELECT 1 SETTINGS a = 1, b = 'x' FORMAT TSV SETTINGS c = -2"), {
    body: 'SELECT 1',
    format: 'TSV',
    settings: [
      { name: 'a', value: '1' },
      { name: 'b', value: "'x'" },
      { name: 'c', value: '-2' },
    ],
  });
  assert.deepEqual(split('SHOW TABLES FORMAT JSON SETTINGS max_threads = 1').body, 'SHOW TABLES');
});

test('FORMAT and SETTINGS that are not a trailing clause stay in the body', () => {
  for (const sql of [
    'SELECT format FROM t',
    'SELECT 1 AS format',
    'SELECT 1 AS settings',
    'SELECT * FROM (SELECT 1 SETTINGS a = 1) AS s',
    'SELECT 1 SETTINGS a = 1 UNION ALL SELECT 2',
    "SELECT 'x FORMAT JSON'",
  ]) {
    assert.deepEqual(split(sql), { body: sql, format: undefined, settings: [] }, sql);
  }
});

test('statements are put back with one FORMAT and one SETTINGS clause; names and strings are quoted', () => {
  assert.equal(
    joinStatement('SELECT 1', 'JSON', [
      { name: 'a', value: '1' },
      { name: 'odd name', value: quoteString("it's \\ ok") },
    ]),
    "SELECT 1 FORMAT JSON SETTINGS a = 1, `odd name` = 'it\\'s \\\\ ok'",
  );
  assert.equal(joinStatement('SELECT 1', undefined, []), 'SELECT 1');
  assert.equal(quoteName('x`y'), '`x\\`y`');
});
