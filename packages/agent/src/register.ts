/**
 * The agent's preload entry, for `node --import <dist>/register.mjs` (what
 * `spyglass run` adds to NODE_OPTIONS). It starts the agent from the bundle
 * next to it; when the application is an ES module, it first registers the
 * ES-module loader hook (import-in-the-middle, only for modules an
 * instrumentation asks for). CommonJS applications skip the hook: its loader
 * thread costs startup time and they need only require() hooks.
 */
import { createRequire, register } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAgentBundle } from './load-bundle.ts';
import { needsEsmHooks } from './esm-detection.ts';

if (process.env['SPYGLASS_AGENT_DISABLED'] !== '1') {
  try {
    const { main, saveCodeCache } = loadAgentBundle(dirname(fileURLToPath(import.meta.url)));
    if (!main.isToolProcess()) {
      if (needsEsmHooks(process.argv, process.env)) {
        const require = createRequire(import.meta.url);
        const iitm = require('import-in-the-middle') as typeof import('import-in-the-middle');
        const { registerOptions, waitForAllMessagesAcknowledged } = iitm.createAddHookMessageChannel();
        register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);
        // Every wanted instrumentation now: imports are resolved in the loader thread, before any
        // require() that would construct one lazily.
        const agent = main.startFromEnvironment(process.env, {
          constructAllInstrumentations: true,
          onStartupDone: saveCodeCache,
        });
        // An ES module importing a CommonJS package (`import grpc from '@grpc/grpc-js'`) gets its
        // exports object through the ES loader, which the require() hooks never see: require the
        // package once when it is imported, so those hooks patch that same object in place.
        if (agent) {
          new iitm.Hook([...agent.instrumentedPackages], (_exported, _name, baseDir) => {
            if (!baseDir) return;
            try {
              createRequire(join(baseDir, 'package.json'))(baseDir);
            } catch {
              // an ES-only package: the import hook already covers it
            }
          });
        }
        await waitForAllMessagesAcknowledged();
      } else {
        main.startFromEnvironment(process.env, { onStartupDone: saveCodeCache });
      }
    }
  } catch (err) {
    process.stderr.write(`[spyglass agent] not started: ${(err as Error).message}\n`);
  }
}
