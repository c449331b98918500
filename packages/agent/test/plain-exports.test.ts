import assert from 'node:assert/strict';
import { test } from 'node:test';
import { plainExports } from '../src/build/plain-exports.ts';

/** An ES module's namespace as esbuild hands it to a CommonJS require: a getter per export. */
function esbuildNamespace(values: Record<string, unknown>): Record<string, unknown> {
  const namespace = {};
  Object.defineProperty(namespace, '__esModule', { value: true });
  for (const key of Object.keys(values))
    Object.defineProperty(namespace, key, { get: () => values[key], enumerable: true });
  return namespace as Record<string, unknown>;
}

test('plainExports: the same exports as data properties, __esModule kept and not enumerable', () => {
  class Tracer {}
  const values: Record<string, unknown> = { SpanKind: { SERVER: 1 }, Tracer, hrTime: () => [1, 2] };
  for (let i = 0; i < 120; i++) values[`CONSTANT_${i}`] = i; // as many as @opentelemetry/core has
  const plain = plainExports(esbuildNamespace(values));
  assert.deepEqual(Object.keys(plain), Object.keys(values));
  for (const key of Object.keys(values)) {
    const descriptor = Object.getOwnPropertyDescriptor(plain, key)!;
    assert.ok(!('get' in descriptor), `${key} is a data property`);
    assert.equal(descriptor.value, values[key]);
  }
  assert.equal(plain['__esModule'], true);
  assert.equal(Object.getOwnPropertyDescriptor(plain, '__esModule')!.enumerable, false);
});

test('plainExports: a namespace read before its module has finished evaluating is kept live', () => {
  const values: Record<string, unknown> = { context: { active: () => 'ctx' }, trace: undefined };
  const namespace = esbuildNamespace(values);
  const exported = plainExports(namespace);
  assert.equal(exported, namespace);
  values['trace'] = { getSpan: () => undefined }; // the module finishes evaluating
  assert.equal(exported['trace'], values['trace']);
});
