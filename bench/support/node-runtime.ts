import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { nodeRuntimeBinary } from '../../test/support/node-runtimes.ts';

/**
 * `--node VERSION`: runs this benchmark again on that Node.js (one of
 * infra/node-runtimes.txt, installed by infra/install.sh) and exits with its
 * code, unless this process already runs on it. The benchmarks start their
 * apps with `process.execPath`, so everything they measure then runs on it.
 */
export function runOnNode(version: string | undefined): void {
  if (version === undefined || version === process.versions.node) return;
  const node = nodeRuntimeBinary(version);
  if (!existsSync(node)) {
    console.error(
      `no Node.js ${version} at ${node}: bash infra/install.sh installs those of infra/node-runtimes.txt`,
    );
    process.exit(1);
  }
  const args = process.argv.slice(1);
  const result = spawnSync(node, [...process.execArgv, ...args], {
    stdio: 'inherit',
    env: { ...process.env, PATH: `${dirname(node)}:${process.env['PATH'] ?? ''}` },
  });
  process.exit(result.status ?? 1);
}
