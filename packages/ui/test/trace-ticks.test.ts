import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatOffsetNs, niceStep, timeTicks } from '../src/lib/trace-ticks.ts';
import { centreWindow, isWholeTrace, placeInWindow, windowBetween } from '../src/lib/trace-time-window.ts';

const MS = 1e6;

test('ticks fall on round offsets in one unit', () => {
  assert.deepEqual(
    timeTicks(0, 182 * MS, 6).map((t) => t.label),
    ['0ms', '50ms', '100ms', '150ms'],
  );
  assert.deepEqual(
    timeTicks(12.3 * MS, 13.1 * MS, 4).map((t) => [t.label, Number(t.fraction.toFixed(3))]),
    [
      ['12.4ms', 0.125],
      ['12.6ms', 0.375],
      ['12.8ms', 0.625],
      ['13.0ms', 0.875],
    ],
  );
  assert.deepEqual(
    timeTicks(0, 2_500 * MS, 5).map((t) => t.label),
    ['0.0s', '0.5s', '1.0s', '1.5s', '2.0s', '2.5s'],
  );
  assert.deepEqual(timeTicks(5, 5, 4), []);
  assert.deepEqual([niceStep(3), niceStep(0.2), niceStep(7_000), niceStep(1e6)], [5, 1, 10_000, 1e6]);
  assert.equal(formatOffsetNs(850_000), '850µs');
  assert.equal(formatOffsetNs(12_400_000, 100_000), '12.4ms');
});

test('bars are placed as fractions of the window and clipped to it', () => {
  const w = { startNs: 100, endNs: 300 };
  assert.deepEqual(placeInWindow(150, 250, w), { left: 0.25, width: 0.5 });
  assert.deepEqual(placeInWindow(0, 200, w), { left: 0, width: 0.5 });
  assert.deepEqual(placeInWindow(250, 900, w), { left: 0.75, width: 0.25 });
  assert.equal(placeInWindow(301, 400, w), undefined);
  assert.equal(placeInWindow(0, 99, w), undefined);
});

test('minimap selections become windows inside the trace, never empty', () => {
  assert.deepEqual(windowBetween(0.75, 0.25, 1_000_000), { startNs: 250_000, endNs: 750_000 });
  assert.deepEqual(windowBetween(0.5, 0.5, 1_000_000, 1000), { startNs: 499_500, endNs: 500_500 });
  assert.deepEqual(windowBetween(1, 1, 1_000_000, 1000), { startNs: 999_000, endNs: 1_000_000 });
  assert.deepEqual(centreWindow({ startNs: 0, endNs: 200 }, 0.95, 1000), { startNs: 800, endNs: 1000 });
  assert.ok(isWholeTrace({ startNs: 0, endNs: 1000 }, 1000));
  assert.ok(!isWholeTrace({ startNs: 10, endNs: 1000 }, 1000));
});
