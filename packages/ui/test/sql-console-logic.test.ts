import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sqlChartData } from '../src/lib/sql-chart.ts';
import { readSqlHistory, rememberSql } from '../src/lib/sql-history.ts';

test('a result with a time column charts time across, sorted, one series per numeric column', () => {
  const chart = sqlChartData(
    [
      { t: '2026-11-26 11:02:00', n: '5', p95: 12.5, service: 'web' },
      { t: '2026-11-26 11:01:00', n: '3', p95: 10, service: 'web' },
    ],
    [
      { name: 't', type: 'DateTime' },
      { name: 'n', type: 'UInt64' },
      { name: 'p95', type: 'Float64' },
      { name: 'service', type: 'LowCardinality(String)' },
    ],
  );
  assert.ok(chart);
  assert.deepEqual(chart.x, [
    Date.parse('2026-11-26T11:01:00Z') / 1000,
    Date.parse('2026-11-26T11:02:00Z') / 1000,
  ]);
  assert.equal(chart.labels, undefined);
  assert.deepEqual(
    chart.series.map((s) => [s.name, s.values]),
    [
      ['n', [3, 5]],
      ['p95', [10, 12.5]],
    ],
  );
});

test('without a time column the first text column labels the bars; nothing numeric means no chart', () => {
  const chart = sqlChartData(
    [
      { ServiceName: 'web', spans: '400' },
      { ServiceName: 'orders', spans: '600' },
    ],
    [
      { name: 'ServiceName', type: 'LowCardinality(String)' },
      { name: 'spans', type: 'UInt64' },
    ],
  );
  assert.deepEqual(chart?.labels, ['web', 'orders']);
  assert.deepEqual(chart?.series[0]?.values, [400, 600]);
  assert.equal(sqlChartData([{ a: 'x' }], [{ name: 'a', type: 'String' }]), undefined);
});

test('the history keeps the newest first without duplicates', () => {
  const data = new Map<string, string>();
  const storage = {
    getItem: (k: string) => data.get(k) ?? null,
    setItem: (k: string, v: string) => void data.set(k, v),
  };
  rememberSql('SELECT 1', storage);
  rememberSql('SELECT 2', storage);
  rememberSql('SELECT 1', storage);
  assert.deepEqual(readSqlHistory(storage), ['SELECT 1', 'SELECT 2']);
});
