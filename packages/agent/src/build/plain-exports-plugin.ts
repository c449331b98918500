import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';

const NAMESPACE = 'spyglass-plain-exports';
const RUNTIME = join(dirname(fileURLToPath(import.meta.url)), 'plain-exports.ts');

/**
 * The OpenTelemetry packages are bundled from their ES builds (build-agent.ts's mainFields),
 * and the instrumentations' CommonJS files `require()` them. esbuild hands such a require a
 * copy of the module's namespace whose every property is a getter that reads the namespace's
 * own getter: each `api.context`, `api.trace`, `core.hrTime` an instrumentation reads, on
 * every span, was two calls and a megamorphic load (~230 instructions; 37 of them per request
 * on bench:agent's /db route, which starts pg, pg-pool and ioredis spans). Here each such
 * require gets a module that returns the exports as a plain object instead (plain-exports.ts),
 * copied once the package has been evaluated. Only @opentelemetry packages, whose exports are
 * never reassigned; semantic-conventions has its own shims (build-agent.ts's
 * semanticConventionsByName), which it wraps with plainExportsOf the same way.
 * `redirected` counts the packages so required.
 */
export function plainCommonJsExports(): { plugin: Plugin; redirected(): number } {
  const packages = new Set<string>();
  const plugin: Plugin = {
    name: NAMESPACE,
    setup(b) {
      b.onResolve({ filter: /^@opentelemetry\/[\w.-]+$/ }, async (args) => {
        if (args.kind !== 'require-call' || args.pluginData === NAMESPACE) return undefined;
        if (args.path === '@opentelemetry/semantic-conventions') return undefined;
        const resolved = await b.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: NAMESPACE,
        });
        // Only an ES build gets esbuild's getters; a CommonJS one is required as it is.
        if (resolved.errors.length > 0 || resolved.external || !/[\\/]esm[\\/]/.test(resolved.path))
          return undefined;
        packages.add(resolved.path);
        // Named from node_modules on (esbuild writes the name into the bundle), the file in pluginData.
        const name = resolved.path.slice(resolved.path.indexOf('node_modules')).replaceAll('\\', '/');
        return { path: name, namespace: NAMESPACE, pluginData: resolved.path };
      });
      b.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => {
        const file = args.pluginData as string;
        return { contents: plainExportsOf(file), resolveDir: dirname(file), loader: 'js' };
      });
    },
  };
  return { plugin, redirected: () => packages.size };
}

/** A CommonJS module's source that exports what `require(request)` gives, as plain exports. */
export function plainExportsOf(request: string): string {
  return `module.exports = require(${JSON.stringify(RUNTIME)}).plainExports(require(${JSON.stringify(request)}));`;
}
