import { test } from 'node:test';
import assert from 'node:assert/strict';
import { placeholderTypes, toEngineParamValue, unescapeTsv } from '../src/param-values.ts';
import { tokenize } from '../src/sql-tokens.ts';

// Unit tests (no engine): HTTP param_ values -> what chDB's binding needs.

test('placeholder types are read from the statement', () => {
  const sql = "SELECT {a:Array(Tuple(String, UInt8))}, {b:DateTime64(3, 'UTC')}, {a:String}, {'k': 1}";
  assert.deepEqual(
    [...placeholderTypes(sql, tokenize(sql))],
    [
      ['a', 'Array(Tuple(String, UInt8))'],
      ['b', "DateTime64(3, 'UTC')"],
    ],
  );
});

test('scalar values are TSV-unescaped; NULL only for Nullable types', () => {
  assert.equal(toEngineParamValue("it\\'s\\ta\\\\b\\n", 'String'), "it's\ta\\b\n");
  assert.equal(toEngineParamValue('42', 'UInt8'), '42');
  assert.equal(toEngineParamValue('\\N', 'Nullable(String)'), null);
  assert.equal(toEngineParamValue('\\N', 'LowCardinality(Nullable(String))'), null);
  assert.equal(toEngineParamValue('\\N', 'String'), 'N');
  assert.equal(toEngineParamValue('db.t', 'Identifier'), 'db.t');
  assert.equal(toEngineParamValue('a\\x41', undefined), 'aA');
  assert.equal(unescapeTsv('plain'), 'plain');
});

test('composite values get their strings re-quoted without backslashes', () => {
  assert.equal(
    toEngineParamValue("['a','it\\'s','b\\\\c','t\\tx']", 'Array(String)'),
    "['a','it''s','b\\c','t\tx']",
  );
  assert.equal(toEngineParamValue("{'k''q':1}", 'Map(String, UInt8)'), "{'k''q':1}");
  assert.equal(toEngineParamValue("('x',NULL)", 'Tuple(String, Nullable(UInt8))'), "('x',NULL)");
  assert.equal(toEngineParamValue("['open", 'Array(String)'), "['open");
});
