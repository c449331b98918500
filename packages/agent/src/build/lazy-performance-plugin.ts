import { readFileSync } from 'node:fs';
import type { Plugin } from 'esbuild';

/**
 * @opentelemetry/core's Node.js platform module sets `otperformance =
 * performance` when it loads. The global `performance` is lazy in Node.js:
 * its first read loads node:perf_hooks and the modules behind it (~0.6 ms;
 * bench/agent/RESULTS.md, twentieth session), so every application paid that
 * in its startup, whether or not it uses them. In the bundle the value
 * becomes an object with the two members core reads (`now()` and
 * `timeOrigin`, for its hrTime), each reading the global when called:
 * node:perf_hooks loads when a time is first read, after startup.
 *
 * `replaced` counts the copies of core changed: the build fails on 0, so an
 * upstream change cannot bring the eager read back unnoticed.
 */
export function lazyPerformance(): { plugin: Plugin; replaced(): number } {
  let replaced = 0;
  const plugin: Plugin = {
    name: 'spyglass-lazy-performance',
    setup(b) {
      b.onLoad(
        {
          filter: /[\\/]@opentelemetry[\\/]core[\\/]build[\\/](esm|src)[\\/]platform[\\/]node[\\/]index\.js$/,
        },
        (args) => {
          const source = readFileSync(args.path, 'utf8');
          const lazy = source.replace(EAGER, (_, target: string) => `${target} = ${FACADE};`);
          if (lazy === source) return undefined;
          replaced++;
          return { contents: lazy, loader: 'js' };
        },
      );
    },
  };
  return { plugin, replaced: () => replaced };
}

/** The ES build's `export const otperformance = performance;` and the CommonJS build's `exports.otperformance = performance;`. */
const EAGER = /(export const otperformance|exports\.otperformance)\s*=\s*performance;/;

/**
 * What `otperformance` becomes: the members the OpenTelemetry packages read of it (a test checks the
 * installed ones read no other, lazy-performance.test.ts).
 */
export const FACADE =
  '{ get timeOrigin() { return performance.timeOrigin; }, now() { return performance.now(); } }';
