import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  MAX_SCALE,
  MIN_SCALE,
  READABLE_SCALE,
  fitTransform,
  panBy,
  readableTransform,
  wheelFactor,
  zoomAt,
} from '../src/lib/service-map-view.ts';

const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-9, `${a} ≈ ${b}`);

test('fit shows all of the map centred, without blowing small maps up', () => {
  const big = fitTransform({ width: 2000, height: 500 }, { width: 1048, height: 600 }, 24);
  close(big.scale, 0.5);
  close(big.x, 24);
  close(big.y, (600 - 250) / 2);
  const small = fitTransform({ width: 100, height: 50 }, { width: 1000, height: 600 });
  assert.equal(small.scale, 1.25);
  close(small.x, (1000 - 125) / 2);
  assert.deepEqual(fitTransform({ width: 0, height: 0 }, { width: 10, height: 10 }), {
    x: 0,
    y: 0,
    scale: 1,
  });
});

test('the automatic view stays readable, centred on the selection and within the map', () => {
  const content = { width: 1200, height: 240 };
  const viewport = { width: 780, height: 700 };
  const onRight = readableTransform(content, viewport, { x: 1150, y: 40 });
  assert.equal(onRight.scale, READABLE_SCALE);
  // The right edge of the map is at the right of the view (plus padding), not beyond.
  close(onRight.x, 780 - 1200 * READABLE_SCALE - 24);
  close(onRight.y, (700 - 240 * READABLE_SCALE) / 2);
  const onLeft = readableTransform(content, viewport, { x: 10, y: 40 });
  close(onLeft.x, 24);
  const middle = readableTransform(content, viewport);
  close(middle.x, 390 - 600 * READABLE_SCALE);
  // When everything fits readably, it is simply fitted.
  assert.deepEqual(
    readableTransform({ width: 500, height: 200 }, viewport),
    fitTransform({ width: 500, height: 200 }, viewport),
  );
});

test('zooming keeps the point under the pointer in place, within the scale limits', () => {
  const view = { x: 10, y: 20, scale: 1 };
  const at = { x: 110, y: 70 };
  const layoutPoint = { x: (at.x - view.x) / view.scale, y: (at.y - view.y) / view.scale };
  const zoomed = zoomAt(view, 2, at);
  assert.equal(zoomed.scale, 2);
  close(layoutPoint.x * zoomed.scale + zoomed.x, at.x);
  close(layoutPoint.y * zoomed.scale + zoomed.y, at.y);
  assert.equal(zoomAt(view, 1000, at).scale, MAX_SCALE);
  assert.equal(zoomAt(view, 0.0001, at).scale, MIN_SCALE);
});

test('panning moves the view; a wheel notch zooms by about 10%', () => {
  assert.deepEqual(panBy({ x: 1, y: 2, scale: 3 }, 10, -5), { x: 11, y: -3, scale: 3 });
  const notchOut = wheelFactor(100, 0);
  assert.ok(notchOut < 1 && notchOut > 0.85);
  assert.ok(wheelFactor(-100, 0) > 1);
  close(wheelFactor(3, 1), wheelFactor(48, 0));
  assert.ok(wheelFactor(100_000, 0) >= wheelFactor(100, 0) - 1e-9, 'huge deltas are capped');
});
