import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseType, upgradeNativeRevision, MIN_REVISION_WITH_CUSTOM_SERIALIZATION } from '../src/native-revision.ts';
import { openTestStore, type TestStore } from './support/test-server.ts';

let store: TestStore;
before(async () => {
  store = await openTestStore();
});
after(async () => {
  await store.close();
});

test('type names parse into trees, parameters kept raw', () => {
  const t = parseType("Map(LowCardinality(String), Array(Tuple(a DateTime64(9, 'UTC'), b Nullable(Decimal(10, 2)))))");
  assert.equal(t.name, 'Map');
  assert.equal(t.args[0]?.name, 'LowCardinality');
  assert.equal(t.args[0]?.args[0]?.name, 'String');
  const tuple = t.args[1]?.args[0];
  assert.equal(tuple?.name, 'Tuple');
  assert.equal(tuple?.args[0]?.name, 'DateTime64');
  assert.equal(tuple?.args[0]?.raw, "9, 'UTC'");
  assert.equal(tuple?.args[1]?.args[0]?.raw, '10, 2');
});

// Every column type of the ClickStack tables, and then some, over several blocks.
const QUERIES = [
  "SELECT number AS n, toString(number) AS s, toLowCardinality(toString(number % 7)) AS lc, map('k', toString(number)) AS m, [number, number + 1] AS a FROM numbers(200000)",
  "SELECT toDateTime64(number, 9) AS t, toDateTime(number) AS d, number % 2 = 0 AS b, toUUID('61f0c404-5cb3-11e7-907b-a6006ad3dba0') AS u, toFixedString('ab', 2) AS f FROM numbers(3)",
  "SELECT if(number % 2 = 0, NULL, number) AS nn, (number, toString(number)) AS tup, [map('a', 'b')] AS am, toLowCardinality(if(number % 3 = 0, NULL, toString(number))) AS lcn FROM numbers(10)",
  "SELECT toDecimal64(number, 2) AS dec, toFloat32(number) AS f32, toInt8(number) AS i8, CAST('a', 'Enum8(\\'a\\' = 1)') AS e, toIPv4('1.2.3.4') AS ip FROM numbers(5)",
  'SELECT 1 AS x WHERE 0',
];

test('a revision-0 Native stream is upgraded by exactly BlockInfo per block and a flag per column', async () => {
  for (const sql of QUERIES) {
    const native = await store.driver.queryRaw(sql, { format: 'Native' });
    const upgraded = upgradeNativeRevision(native, MIN_REVISION_WITH_CUSTOM_SERIALIZATION + 6);
    const blocks = countBlocks(native);
    assert.equal(upgraded.length, native.length + blocks.count * 8 + blocks.columns, sql);
    if (sql.includes('numbers(200000)')) assert.ok(blocks.count >= 2, 'several blocks walked');
    assert.deepEqual(upgradeNativeRevision(native, 0), native, 'revision 0 is left alone');
  }
});

test('truncated engine output is an error, not a crash', async () => {
  const native = await store.driver.queryRaw(QUERIES[0]!, { format: 'Native' });
  assert.throws(() => upgradeNativeRevision(native.subarray(0, native.length - 3), 54460), /Unexpected end/);
});

/** Counts blocks and column headers by re-walking with the upgrader's own cursor logic at revision 1. */
function countBlocks(native: Buffer): { count: number; columns: number } {
  // Revision 1 adds only BlockInfo: the size difference / 8 is the block count.
  const withInfo = upgradeNativeRevision(native, 1);
  const count = (withInfo.length - native.length) / 8;
  const withFlags = upgradeNativeRevision(native, MIN_REVISION_WITH_CUSTOM_SERIALIZATION);
  return { count, columns: withFlags.length - withInfo.length };
}
