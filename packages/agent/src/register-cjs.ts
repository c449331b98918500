/**
 * The agent's preload entry, `node --require <dist>/register.cjs` (what
 * `spyglass run` adds to NODE_OPTIONS). It starts the agent from the bundle
 * next to it. When the application is an ES module, it also registers the
 * ES-module loader hook (import-in-the-middle, only for the modules an
 * instrumentation asks for; see esm-hooks.ts); CommonJS applications skip it,
 * and a CommonJS preload keeps them off the ES-module loader altogether. On
 * Node.js without module.register (before 18.19 / 20.6) ES modules are not
 * instrumented.
 */
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';
import { needsEsmHooks } from './esm-detection.ts';
import { startWithEsmHooks } from './esm-hooks.ts';
import { loadAgentBundle } from './load-bundle.ts';

if (process.env['SPYGLASS_AGENT_DISABLED'] !== '1') {
  try {
    const agent = loadAgentBundle(__dirname);
    if (typeof register === 'function' && needsEsmHooks(process.argv, process.env))
      startWithEsmHooks(agent, pathToFileURL(__filename).href, createRequire(__filename));
    else agent.main.startFromEnvironment(process.env, { onStartupDone: agent.saveCodeCache });
  } catch (err) {
    process.stderr.write(`[spyglass agent] not started: ${(err as Error).message}\n`);
  }
}
