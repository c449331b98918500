/**
 * The CommonJS-only preload entry, `node --require <dist>/register.cjs`, for
 * Node.js versions without module.register (before 18.19 / 20.6): CommonJS
 * modules are instrumented, ES modules are not.
 */
import { loadAgentBundle } from './load-bundle.ts';

if (process.env['SPYGLASS_AGENT_DISABLED'] !== '1') {
  try {
    const { main, saveCodeCache } = loadAgentBundle(__dirname);
    main.startFromEnvironment(process.env, { onStartupDone: saveCodeCache });
  } catch (err) {
    process.stderr.write(`[spyglass agent] not started: ${(err as Error).message}\n`);
  }
}
