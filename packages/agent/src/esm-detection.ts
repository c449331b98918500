import { readFileSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';

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
  let dir = start;
  for (let i = 0; i < 32; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { type?: unknown };
      return typeof pkg.type === 'string' ? pkg.type : 'commonjs';
    } catch {
      // none here: go up
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
  return undefined;
}
