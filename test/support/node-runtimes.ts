import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { requirePeer } from './require-peer.ts';

const ROOT = join(import.meta.dirname, '../..');

/** A Node.js binary to run an application with, and whether the test must skip for want of it. */
export interface NodeRuntime {
  readonly version: string;
  readonly node: string;
  readonly skip: string | false;
}

/** Where infra/install.sh unpacks the runtimes of infra/node-runtimes.txt: their `node` binaries. */
export function nodeRuntimeBinary(version: string): string {
  return join(ROOT, 'infra/.cache/node', version, 'bin/node');
}

/**
 * The Node.js versions the agent is tested on, oldest first: this process's
 * own and those listed in infra/node-runtimes.txt. A listed one that is not
 * installed skips loudly (bash infra/install.sh installs it), or fails under
 * SPYGLASS_REQUIRE_PEERS=1.
 */
export function nodeRuntimes(): NodeRuntime[] {
  const listed = readFileSync(join(ROOT, 'infra/node-runtimes.txt'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const own: NodeRuntime = { version: process.versions.node, node: process.execPath, skip: false };
  const others = listed
    .filter((version) => version !== own.version)
    .map((version): NodeRuntime => {
      const node = nodeRuntimeBinary(version);
      const { skip } = requirePeer(`Node.js ${version} (bash infra/install.sh)`, () => existsSync(node));
      return { version, node, skip };
    });
  return [own, ...others].sort((a, b) => compareVersions(a.version, b.version));
}

function compareVersions(a: string, b: string): number {
  const [x, y] = [a, b].map((v) => v.split('.').map(Number));
  for (let i = 0; i < 3; i++) if (x![i] !== y![i]) return x![i]! - y![i]!;
  return 0;
}
