import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileInsertSql } from '../src/drivers/file-insert-sql.ts';

test('a file insert names its columns, quotes every part and carries the deduplication token', () => {
  const sql = fileInsertSql({
    table: 'default.otel_traces',
    columns: [
      ['Timestamp', 'DateTime64(9)'],
      ['Events.Name', 'Array(LowCardinality(String))'],
    ],
    paths: ['/data/spool/a.otel_traces.rowbinary', "/data/it's/b.otel_traces.rowbinary"],
    dedupToken: '0mwx7hhpm-000000008/otel_traces',
  });
  assert.equal(
    sql,
    "INSERT INTO default.otel_traces (`Timestamp`, `Events.Name`) SETTINGS insert_deduplication_token = '0mwx7hhpm-000000008/otel_traces' " +
      "SELECT * FROM file('/data/spool/a.otel_traces.rowbinary', 'RowBinary', '`Timestamp` DateTime64(9), `Events.Name` Array(LowCardinality(String))') " +
      "UNION ALL SELECT * FROM file('/data/it\\'s/b.otel_traces.rowbinary', 'RowBinary', '`Timestamp` DateTime64(9), `Events.Name` Array(LowCardinality(String))')",
  );
});

test('unsafe table names and tokens are refused', () => {
  const base = { columns: [['a', 'String']] as const, paths: ['/x'] };
  assert.throws(
    () => fileInsertSql({ ...base, table: 't; DROP TABLE x', dedupToken: 'ok' }),
    /unsafe table name/,
  );
  assert.throws(
    () => fileInsertSql({ ...base, table: 't', dedupToken: "x' OR 1" }),
    /unsafe deduplication token/,
  );
  assert.throws(() => fileInsertSql({ ...base, table: 't', paths: [], dedupToken: 'ok' }), /no files/);
});
