import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export interface ServiceIdentity {
  readonly name: string;
  readonly version: string | undefined;
}

/**
 * service.name: the configured name (launcher flag, OTEL_SERVICE_NAME), else
 * service.name in OTEL_RESOURCE_ATTRIBUTES, else the nearest package.json's
 * name above the main script (or the working directory), else
 * unknown_service:node. service.version from that package.json.
 */
export function identifyService(configured: string | undefined, env: NodeJS.ProcessEnv): ServiceIdentity {
  const pkg = nearestPackageJson(process.argv[1] ? dirname(resolve(process.argv[1])) : process.cwd());
  const fromResourceEnv = /(?:^|,)\s*service\.name=([^,]+)/.exec(env['OTEL_RESOURCE_ATTRIBUTES'] ?? '')?.[1];
  return {
    name:
      configured ??
      (fromResourceEnv ? decodeURIComponent(fromResourceEnv.trim()) : undefined) ??
      pkg?.name ??
      'unknown_service:node',
    version: pkg?.version,
  };
}

function nearestPackageJson(start: string): { name: string; version: string | undefined } | undefined {
  let dir = start;
  for (let i = 0; i < 32; i++) {
    if (!dir.includes('node_modules')) {
      try {
        const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
          name?: unknown;
          version?: unknown;
        };
        if (typeof pkg.name === 'string' && pkg.name)
          return { name: pkg.name, version: typeof pkg.version === 'string' ? pkg.version : undefined };
      } catch {
        // no (readable) package.json here: keep walking up
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
  return undefined;
}
