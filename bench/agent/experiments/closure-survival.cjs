// Experiment (not a benchmark), no agent involved: why @opentelemetry/api's BaseContext was
// replaced in request contexts (bench/agent/RESULTS.md, twenty-third session). Each iteration makes
// one object holding ~4 KB of strings, either with per-instance closures over it (as BaseContext's
// constructor makes getValue/setValue/deleteValue) or with a prototype method, then awaits
// setImmediate (AWAIT=0: only every 1000th iteration awaits). Run with --trace-gc-nvp and sum
// new_space_survived + promoted per scavenge (as bench:agent-gc does):
//   MODE=closures|added|literal|plain node --trace-gc-nvp bench/agent/experiments/closure-survival.cjs
// added: a plain object holding the data gets, added after it was made, a closure over the data
// (3,342 KB per scavenge on 24); literal: the same closure written in the object literal (25 KB).
// Measured per scavenge: Node.js 24.22 closures 3,515 KB (semi-space 64 MB), plain 24 KB (8 MB);
// 22.23 308 vs 24 KB; 20.20 160 vs 24 KB; 24 without the await 194 vs 18 KB.
function WithClosures(data) {
  const self = this;
  self.data = data;
  self.get = () => self.data;
}
function Plain(data) {
  this.data = data;
}
Plain.prototype.get = function () {
  return this.data;
};
function withAddedClosure(data) {
  const o = { data };
  o.get = () => data;
  return o;
}
const mode = process.env.MODE ?? 'closures';
const awaitEach = process.env.AWAIT !== '0';
(async () => {
  for (let i = 0; i < 150000; i++) {
    const data = Array.from({ length: 40 }, (_, j) => `value-${i}-${j}-` + 'x'.repeat(60));
    const o =
      mode === 'closures'
        ? new WithClosures(data)
        : mode === 'added'
          ? withAddedClosure(data)
          : mode === 'literal'
            ? { data, get: () => data }
            : new Plain(data);
    if (awaitEach) await new Promise((resolve) => setImmediate(resolve));
    else if (i % 1000 === 0) await null;
    if (o.get().length !== 40) throw new Error('unexpected');
  }
})();
