import { dirname, resolve } from 'node:path';
import { findPackageJson } from '../package-json.ts';

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

/** The application's own package.json: the nearest one with a name, outside node_modules. */
function nearestPackageJson(start: string): { name: string; version: string | undefined } | undefined {
  const pkg = findPackageJson(
    start,
    (p, dir) => !dir.includes('node_modules') && typeof p['name'] === 'string' && p['name'] !== '',
  );
  if (!pkg) return undefined;
  return {
    name: pkg['name'] as string,
    version: typeof pkg['version'] === 'string' ? pkg['version'] : undefined,
  };
}
