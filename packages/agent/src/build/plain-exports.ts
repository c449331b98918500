/**
 * What a CommonJS file of the bundle gets for `require('@opentelemetry/<package>')` (see
 * plain-exports-plugin.ts): the package's exports copied into a plain object with fast
 * properties, in place of esbuild's copy of the ES module's namespace, whose every property
 * is a getter reading the namespace's own getter.
 *
 * The copy is made once, when the package has been evaluated: its exports (functions,
 * classes, constants, enums filled in as it evaluates) are never reassigned after that.
 * If one is still undefined (a require cycle reached the package while it was being
 * evaluated), `namespace` is returned as it is, getters and all, and stays correct.
 */
export function plainExports(namespace: Record<string, unknown>): Record<string, unknown> {
  const plain: Record<string, unknown> = {};
  for (const key of Object.keys(namespace)) {
    const value = namespace[key];
    if (value === undefined) return namespace;
    plain[key] = value;
  }
  Object.defineProperty(plain, '__esModule', { value: true });
  return withFastProperties(plain);
}

/**
 * `object`, its properties turned fast: ~50-120 properties added one by one by key go to
 * a dictionary (V8 allows ~12 such out-of-object fields), and each read would then hash
 * the name. An object that becomes a prototype, and is read through as one by an inline
 * cache, is made fast by V8 (the trick fast-prototypes.ts uses too).
 */
function withFastProperties<T extends object>(object: T): T {
  const probe = Object.create(object) as { spyglassProbe?: unknown };
  for (let i = 0; i < 16; i++) readProbe(probe);
  return object;
}

function readProbe(probe: { spyglassProbe?: unknown }): unknown {
  return probe.spyglassProbe;
}
