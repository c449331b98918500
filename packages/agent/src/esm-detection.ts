import { dirname, extname, resolve } from 'node:path';
import { findPackageJson } from './package-json.ts';

/**
 * Whether the ES-module loader hook is needed: SPYGLASS_ESM_HOOKS=always|never,
 * else (auto) when the main script is an ES module (.mjs, .mts, or .js/.ts
 * under a package.json with "type": "module"), or when there is no main
 * script to look at (node -e, a REPL) and node was asked to load modules.
 */
export function needsEsmHooks(argv: readonly string[], env: NodeJS.ProcessEnv): boolean {
  const setting = env['SPYGLASS_ESM_HOOKS'];
  if (setting === 'always') return true;
  if (setting === 'never') return false;
  const main = argv[1];
  if (!main) return false;
  const path = resolve(main);
  const ext = extname(path);
  if (ext === '.mjs' || ext === '.mts') return true;
  if (ext === '.cjs' || ext === '.cts') return false;
  return packageType(dirname(path)) === 'module';
}

function packageType(start: string): string | undefined {
  const pkg = findPackageJson(start);
  if (!pkg) return undefined;
  return typeof pkg['type'] === 'string' ? pkg['type'] : 'commonjs';
}
