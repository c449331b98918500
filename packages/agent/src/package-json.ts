import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The nearest readable package.json at or above `start` that `accept` takes
 * (at most 32 levels up), parsed; undefined when there is none.
 */
export function findPackageJson(
  start: string,
  accept: (pkg: Record<string, unknown>, dir: string) => boolean = () => true,
): Record<string, unknown> | undefined {
  let dir = start;
  for (let i = 0; i < 32; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
      if (pkg && typeof pkg === 'object' && accept(pkg, dir)) return pkg;
    } catch {
      // no (readable) package.json here: keep walking up
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
  return undefined;
}
