/**
 * Keeps the prototypes of strings, numbers, booleans, symbols and bigints in
 * V8's fast mode for the life of the process, so that a library declaring a
 * subclass of one of them does not slow down every string method call of the
 * application and of the agent.
 *
 * Why: when a class extends a built-in (`class VerbatimString extends String`,
 * which ioredis declares), V8 first turns the parent prototype into a
 * dictionary (it expects properties to be added to it), and turns it back
 * into fast mode the first time an inline cache looks a property up through
 * an object whose prototype chain holds it. Methods of primitives never do
 * that: `'abc'.indexOf` looks `indexOf` up from the primitive, which V8 does
 * not count. So String.prototype stays a dictionary for good, and optimized
 * code cannot inline `s.indexOf`, `s.charCodeAt`, `s.slice`, ...: each call
 * first looks the method up in the dictionary (a LoadIC call of ~140
 * instructions). Node.js 20 with ioredis loaded, measured with
 * bench:agent-instructions on /trivial: the agent's header capture alone made
 * ~110 of those per request; the agent cost 115 K instructions per request
 * more than the application without it, and 72 K once this ran (the
 * application itself: 646 K, and 634 K with only this).
 *
 * How: an object whose prototype is the built-in one, read through a
 * property access that has its feedback (more than the 8 calls after which
 * V8 allocates it), marks the prototype "should be fast" and makes it fast.
 * Once marked, V8 no longer turns it into a dictionary when a class extends
 * it. Nothing observable changes for JavaScript: the same properties, the
 * same values. Run it before the application loads its modules.
 */
export function keepPrimitivePrototypesFast(): void {
  for (const prototype of PRIMITIVE_PROTOTYPES) {
    try {
      const probe = Object.setPrototypeOf({}, prototype) as { toString: unknown };
      for (let i = 0; i < 16; i++) readToString(probe);
    } catch {
      // a frozen or replaced prototype: nothing to do
    }
  }
}

const PRIMITIVE_PROTOTYPES: readonly object[] = [
  String.prototype,
  Number.prototype,
  Boolean.prototype,
  Symbol.prototype,
  BigInt.prototype,
];

/** One property access site, so that its feedback is allocated and used (see above). */
function readToString(probe: { toString: unknown }): unknown {
  return probe.toString;
}
