'use strict';
// The agent's fast-prototypes.ts alone, as a preload, for a baseline that has the same repair:
// how much of a benchmark's difference is the application's own code getting faster (String and
// Number prototypes kept fast) rather than the agent's cost. A variant:
// npm run bench:agent-instructions -- fastproto-only=preload:bench/agent/experiments/fast-prototypes-only.cjs
for (const prototype of [
  String.prototype,
  Number.prototype,
  Boolean.prototype,
  Symbol.prototype,
  BigInt.prototype,
]) {
  const probe = Object.setPrototypeOf({}, prototype);
  const load = () => probe.toString;
  for (let i = 0; i < 16; i++) load();
}
