import { createRequire, register } from 'node:module';
import { join } from 'node:path';
import type { LoadedAgent } from './load-bundle.ts';

type Iitm = typeof import('import-in-the-middle');

/**
 * Starts the agent for an ES-module application: every wanted instrumentation
 * at once (imports resolve in the loader thread, before any require() that
 * would construct one lazily), then import-in-the-middle's loader hook,
 * registered with the list of modules those instrumentations hook (only when
 * the agent started).
 *
 * Synchronous, so that it runs from a `--require` preload: the instrumentations
 * send their module names over import-in-the-middle's message channel as they
 * are built; they are read back here (receiveMessageOnPort) and handed to the
 * loader with its registration (`include`), instead of being awaited, which
 * only an ES-module preload (`--import`) can do and which costs every
 * CommonJS application the ES-module loader (~24 M instructions at startup).
 * The port goes to the loader too, for instrumentations built later (a
 * configuration change).
 *
 * `requireFromDist` resolves import-in-the-middle next to the agent's bundle:
 * the loader thread and the instrumentations must share that one instance.
 */
export function startWithEsmHooks(
  agent: LoadedAgent,
  parentUrl: string,
  requireFromDist: NodeJS.Require,
): void {
  const iitm = requireFromDist('import-in-the-middle') as Iitm;
  // Here rather than at the top: a CommonJS application's start never loads node:worker_threads.
  const { receiveMessageOnPort } = requireFromDist(
    'node:worker_threads',
  ) as typeof import('node:worker_threads');
  const { registerOptions, addHookMessagePort } = iitm.createAddHookMessageChannel<Record<string, unknown>>();
  const started = agent.main.startFromEnvironment(process.env, {
    esModuleHooks: true,
    onStartupDone: agent.saveCodeCache,
  });
  if (!started) {
    // Not started (a tool process such as npm, turned off by configuration, or failed): no hook,
    // and no loader thread to pay for.
    addHookMessagePort.close();
    return;
  }
  // An ES module importing a CommonJS package (`import grpc from '@grpc/grpc-js'`) gets its
  // exports object through the ES loader, which the require() hooks never see: require the
  // package once when it is imported, so those hooks patch that same object in place.
  new iitm.Hook([...started.instrumentedPackages], (_exported, _name, baseDir) => {
    if (!baseDir) return;
    try {
      createRequire(join(baseDir, 'package.json'))(baseDir);
    } catch {
      // an ES-only package: the import hook already covers it
    }
  });
  const include: string[] = [];
  const paths: string[] = [];
  for (let m = receiveMessageOnPort(addHookMessagePort); m; m = receiveMessageOnPort(addHookMessagePort))
    for (const name of m.message as string[]) (isPath(name) ? paths : include).push(name);
  register('import-in-the-middle/hook.mjs', parentUrl, {
    data: { ...registerOptions.data, include },
    transferList: registerOptions.transferList,
  });
  // `include` takes bare specifiers and URLs only; a file path (no instrumentation of ours hooks
  // one today) goes over the port, which accepts it: a Hook sends its names there.
  if (paths.length > 0) new iitm.Hook(paths, (exported) => exported);
}

function isPath(name: string): boolean {
  return name.startsWith('/') || name.startsWith('.') || /^[A-Za-z]:[\\/]/.test(name);
}
