import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { lazyPerformance } from './lazy-performance-plugin.ts';
import { plainCommonJsExports, plainExportsOf } from './plain-exports-plugin.ts';

/**
 * The agent runs inside users' applications, so it ships as plain JavaScript:
 * esbuild bundles packages/agent/src and its dependencies into dist/
 * (agent.cjs, register.mjs, register.cjs). The build
 * is keyed by a hash of the sources and skipped when dist/ is current, so
 * `spyglass run` can call it every time (about 0.3 s when it does build).
 */
const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SRC = join(PACKAGE_DIR, 'src');
export const AGENT_DIST = join(PACKAGE_DIR, 'dist');
export const REGISTER_MJS = join(AGENT_DIST, 'register.mjs');
export const REGISTER_CJS = join(AGENT_DIST, 'register.cjs');
const STAMP = join(AGENT_DIST, '.source-hash');

export async function ensureAgentBuilt(): Promise<{ built: boolean; dist: string }> {
  const hash = sourceHash();
  if (existsSync(REGISTER_MJS) && existsSync(STAMP) && readFileSync(STAMP, 'utf8') === hash)
    return { built: false, dist: AGENT_DIST };
  // Build into a temporary folder, then swap: a concurrent `spyglass run` never sees half a build.
  const tmp = `${AGENT_DIST}.tmp-${process.pid}`;
  mkdirSync(tmp, { recursive: true });
  const { parseAgentConfig } = await import('../config/agent-config.ts');
  const common = {
    bundle: true,
    platform: 'node' as const,
    target: 'node18',
    // ASCII output (esbuild's default, stated): load-bundle.ts reads the bundle as latin1.
    charset: 'ascii' as const,
    minifyWhitespace: true,
    minifySyntax: true,
    // SPYGLASS_AGENT_READABLE=1 keeps function names, for CPU profiles (part of the source hash).
    minifyIdentifiers: process.env['SPYGLASS_AGENT_READABLE'] !== '1',
    // Dependencies are bundled too: one file loads far faster than hundreds. The entries load the
    // bundle next to them at run time; import-in-the-middle stays a module of its own because its
    // loader thread and the instrumentations must share one instance.
    external: ['import-in-the-middle'],
    // `debug` (require-in-the-middle's logger) is replaced by a no-op: see debug-off.cjs.
    alias: { debug: join(SRC, 'build', 'debug-off.cjs') },
    // The configuration defaults, so that a zero-configuration start needs no schema library.
    define: { __SPYGLASS_DEFAULT_CONFIG__: JSON.stringify(parseAgentConfig({})) },
    // import() becomes require(): the bundle runs as a vm.Script (load-bundle.ts), where import()
    // would need an experimental loader option; its dependencies are CommonJS.
    supported: { 'dynamic-import': false },
    logLevel: 'error' as const,
    // The ES-module builds of the OpenTelemetry packages where they ship one: esbuild can drop what
    // is not used (semantic-conventions' thousands of constants), and no CommonJS re-export copies
    // run at load. The bundle shrank from 1.73 to 1.11 MB.
    mainFields: ['module', 'main'],
  };
  const requireHook = ownRequireHook();
  const importHooks = importHooksSwitched();
  const plainExports = plainCommonJsExports();
  const performanceOnFirstUse = lazyPerformance();
  await build({
    ...common,
    entryPoints: [join(SRC, 'agent-main.ts')],
    outfile: join(tmp, 'agent.cjs'),
    format: 'cjs',
    plugins: [
      requireHook.plugin,
      importHooks.plugin,
      semanticConventionsByName(),
      plainExports.plugin,
      performanceOnFirstUse.plugin,
      configSchemaApart(),
    ],
  });
  mustHaveApplied(
    requireHook.redirected(),
    "no @opentelemetry/instrumentation imports RequireInTheMiddleSingleton any more: update build-agent.ts's ownRequireHook",
  );
  mustHaveApplied(
    importHooks.redirected(),
    "no @opentelemetry/instrumentation imports import-in-the-middle any more: update build-agent.ts's importHooksSwitched",
  );
  mustHaveApplied(
    performanceOnFirstUse.replaced(),
    '@opentelemetry/core no longer sets otperformance = performance: update lazy-performance-plugin.ts',
  );
  mustHaveApplied(
    plainExports.redirected(),
    'no CommonJS file of the bundle requires an ES build of an @opentelemetry package any more: update plain-exports-plugin.ts',
  );
  // The configuration schema (zod, ~460 KB) in a file of its own: see configSchemaApart.
  await build({
    ...common,
    entryPoints: [join(SRC, 'config', 'agent-config.ts')],
    outfile: join(tmp, 'agent-config.cjs'),
    format: 'cjs',
  });
  await build({
    ...common,
    entryPoints: [join(SRC, 'register.ts')],
    outfile: join(tmp, 'register.mjs'),
    format: 'esm',
  });
  await build({
    ...common,
    entryPoints: [join(SRC, 'register-cjs.ts')],
    outfile: join(tmp, 'register.cjs'),
    format: 'cjs',
  });
  // load-bundle.ts decodes the bundle as latin1, which equals UTF-8 only for ASCII.
  if (readFileSync(join(tmp, 'agent.cjs')).some((byte) => byte >= 0x80))
    throw new Error('the agent bundle is not ASCII: load-bundle.ts would misread it');
  writeFileSync(join(tmp, '.source-hash'), hash);
  // Swap. Several `spyglass run` may build at once: whoever loses a rename race checks that the
  // folder in place is a complete build of the same sources, and keeps it.
  const old = `${AGENT_DIST}.old-${process.pid}`;
  try {
    renameSync(AGENT_DIST, old);
  } catch {
    // no previous build, or another builder moved it first
  }
  try {
    renameSync(tmp, AGENT_DIST);
  } catch (err) {
    if (!(existsSync(STAMP) && readFileSync(STAMP, 'utf8') === hash)) throw err;
  }
  await rm(old, { recursive: true, force: true });
  await rm(tmp, { recursive: true, force: true });
  removeStaleBuilds();
  return { built: true, dist: AGENT_DIST };
}

/**
 * A plugin that changes upstream code counts what it changed: none means the
 * upstream code moved, and the build fails rather than quietly bring back what
 * the plugin removed.
 */
function mustHaveApplied(count: number, message: string): void {
  if (count === 0) throw new Error(message);
}

/**
 * @opentelemetry/instrumentation's RequireInTheMiddleSingleton (require-in-the-middle on
 * every require call of the application) becomes the agent's require hook, the same
 * contract for much less work per require (telemetry/require-hook.ts), in every copy of the
 * package in the bundle. `redirected` counts the imports it replaced: the build fails on 0,
 * so an upstream change cannot bring the slow hook back unnoticed.
 */
function ownRequireHook(): { plugin: Plugin; redirected(): number } {
  return redirectInstrumentationImport(
    'spyglass-require-hook',
    /[\\/]RequireInTheMiddleSingleton(\.js)?$/,
    join(SRC, 'telemetry', 'require-hook.ts'),
  );
}

/**
 * @opentelemetry/instrumentation's import of import-in-the-middle (a Hook per patched module,
 * made in every application) goes to telemetry/import-hook-switch.ts, which loads the package
 * only for ES-module applications, where its loader hook calls those hooks. A CommonJS
 * application's start then never resolves, reads or compiles it, nor loads node:worker_threads
 * for it. The agent's own imports of it (esm-hooks.ts, the switch itself) stay external.
 */
function importHooksSwitched(): { plugin: Plugin; redirected(): number } {
  return redirectInstrumentationImport(
    'spyglass-import-hooks',
    /^import-in-the-middle$/,
    join(SRC, 'telemetry', 'import-hook-switch.ts'),
  );
}

/** Resolves `filter` imports made by @opentelemetry/instrumentation's files to `path`, counting them. */
function redirectInstrumentationImport(
  name: string,
  filter: RegExp,
  path: string,
): { plugin: Plugin; redirected(): number } {
  let redirected = 0;
  const plugin: Plugin = {
    name,
    setup(b) {
      b.onResolve({ filter }, (args) => {
        if (!/[\\/]@opentelemetry[\\/]instrumentation[\\/]/.test(args.importer)) return undefined;
        redirected++;
        return { path };
      });
    },
  };
  return { plugin, redirected: () => redirected };
}

/**
 * The configuration schema (agent-config.ts and zod, 45% of the bundle) is required only
 * when a configuration must be validated (a configuration file, a live update; see
 * load-initial-config.ts), never on a zero-configuration start: it is built as
 * dist/agent-config.cjs and required from there at run time, so the bundle every
 * application start reads, and its code cache, leave it out (~8 M fewer instructions at
 * start).
 */
function configSchemaApart(): Plugin {
  return {
    name: 'spyglass-config-schema',
    setup(b) {
      b.onResolve({ filter: /^\.\/agent-config\.ts$/ }, (args) =>
        args.kind === 'require-call' ? { path: './agent-config.cjs', external: true } : undefined,
      );
    },
  };
}

/**
 * The instrumentations' CommonJS builds `require('@opentelemetry/semantic-conventions')`
 * and read a few constants from it, which made the bundle carry, and the agent evaluate
 * at start, the package's whole CommonJS build (thousands of constants, ~3 ms). Each such
 * require gets a module exporting only the names its file reads, from the package's ES
 * build (esbuild keeps only those), as plain exports (plain-exports-plugin.ts: the
 * instrumentations read these constants on every span). A file that uses the module other
 * than as `name.CONSTANT` keeps the whole package.
 */
function semanticConventionsByName(): Plugin {
  const SHIM = 'spyglass-semconv';
  const PLAIN = 'spyglass-semconv-plain';
  const SHIM_REQUEST = 'spyglass-semconv-shim:';
  return {
    name: SHIM,
    setup(b) {
      b.onResolve({ filter: /^@opentelemetry\/semantic-conventions(\/incubating)?$/ }, (args) => {
        if (args.kind !== 'require-call') return undefined;
        const names = constantsRead(readFileSync(args.importer, 'utf8'), args.path);
        if (!names) return undefined;
        return {
          path: `${args.importer}?${args.path}`,
          namespace: PLAIN,
          pluginData: { names, from: args.path, dir: dirname(args.importer) },
        };
      });
      // The CommonJS requirer's module: the shim's exports, plain.
      b.onLoad({ filter: /.*/, namespace: PLAIN }, (args) => {
        const data = args.pluginData as { dir: string };
        return {
          contents: plainExportsOf(`${SHIM_REQUEST}${args.path}`),
          resolveDir: data.dir,
          pluginData: args.pluginData,
          loader: 'js',
        };
      });
      b.onResolve({ filter: new RegExp(`^${SHIM_REQUEST}`) }, (args) => ({
        path: args.path.slice(SHIM_REQUEST.length),
        namespace: SHIM,
        pluginData: args.pluginData,
      }));
      b.onLoad({ filter: /.*/, namespace: SHIM }, (args) => {
        const { names, from, dir } = args.pluginData as { names: string[]; from: string; dir: string };
        return { contents: `export { ${names.join(', ')} } from '${from}';`, resolveDir: dir, loader: 'js' };
      });
    },
  };
}

/**
 * The names a CommonJS file reads from `require(pkg)`: `const x = require(pkg)` used only
 * as `x.NAME`, or `const { A, B } = require(pkg)`; undefined for any other use.
 */
function constantsRead(source: string, pkg: string): string[] | undefined {
  const request = `require\\(["']${pkg.replace(/[/\\]/g, '\\$&')}["']\\)`;
  const destructured = new RegExp(`(?:const|var|let)\\s*\\{([\\w\\s,]*)\\}\\s*=\\s*${request}`).exec(source);
  if (destructured)
    return destructured[1]!
      .split(',')
      .map((n) => n.trim())
      .filter(Boolean);
  const binding = new RegExp(`(?:const|var|let)\\s+(\\w+)\\s*=\\s*${request}`).exec(source)?.[1];
  if (!binding) return undefined;
  const uses = [...source.matchAll(new RegExp(`\\b${binding}\\b(\\.(\\w+))?`, 'g'))];
  // Every use but the declaration reads a named constant.
  if (uses.filter((m) => m[2] === undefined).length !== 1) return undefined;
  return [...new Set(uses.flatMap((m) => (m[2] ? [m[2]] : [])))];
}

/** Folders left by builds that were killed half-way (older than ten minutes). */
function removeStaleBuilds(): void {
  const parent = dirname(AGENT_DIST);
  for (const name of readdirSync(parent)) {
    if (!/^dist\.(tmp|old)-\d+$/.test(name)) continue;
    const path = join(parent, name);
    try {
      if (Date.now() - statSync(path).mtimeMs > 600_000) void rm(path, { recursive: true, force: true });
    } catch {
      // gone already
    }
  }
}

function sourceHash(): string {
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.ts') || name.endsWith('.cjs'))
        hash.update(relative(SRC, path)).update(readFileSync(path));
    }
  };
  walk(SRC);
  // A readable build (below) is another build: switching the variable rebuilds.
  hash.update(`readable=${process.env['SPYGLASS_AGENT_READABLE'] === '1'}`);
  return hash.digest('hex');
}
