import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDurationTick, formatRate, formatRateTick } from '../src/lib/red-format.ts';

test('rates keep their first significant digits below one a second', () => {
  assert.equal(formatRate(0), '0/s');
  assert.equal(formatRate(0.011111), '0.011/s');
  assert.equal(formatRate(0.5), '0.5/s');
  assert.equal(formatRate(1.234), '1.23/s');
  assert.equal(formatRate(42.4), '42.4/s');
  assert.equal(formatRate(420.4), '420/s');
  assert.equal(formatRate(12_345), '12.3k/s');
  assert.equal(formatRate(Number.NaN), '0/s');
});

test('axis ticks stay short', () => {
  assert.equal(formatRateTick(0.025), '0.025');
  assert.equal(formatRateTick(0.0333333), '0.0333');
  assert.equal(formatRateTick(12_500), '12.5k');
  assert.equal(formatDurationTick(0), '0');
  assert.equal(formatDurationTick(0.5), '500µs');
  assert.equal(formatDurationTick(2.5), '2.5ms');
  assert.equal(formatDurationTick(50), '50ms');
  assert.equal(formatDurationTick(137.25), '137ms');
  assert.equal(formatDurationTick(1200), '1.2s');
  for (const v of [0.0333333, 0.025, 1234.5, 99999]) assert.ok(formatRateTick(v).length <= 6);
  for (const v of [0.25, 7.77, 99.9, 999.4, 12_345]) assert.ok(formatDurationTick(v).length <= 6);
});
