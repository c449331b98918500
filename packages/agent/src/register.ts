/**
 * The agent's preload entry, for `node --import <dist>/register.mjs` (what
 * `spyglass run` adds to NODE_OPTIONS). It registers the ES-module loader hook
 * (import-in-the-middle, only for modules an instrumentation asks for), then
 * starts the agent from the CommonJS bundle next to it, so CommonJS and ES
 * module applications are both instrumented.
 */
import { createRequire, register } from 'node:module';

const require = createRequire(import.meta.url);
const main = require('./agent.cjs') as typeof import('./agent-main.ts');

if (!main.isToolProcess() && process.env['SPYGLASS_AGENT_DISABLED'] !== '1') {
  try {
    const iitm = require('import-in-the-middle') as typeof import('import-in-the-middle');
    const { registerOptions, waitForAllMessagesAcknowledged } = iitm.createAddHookMessageChannel();
    register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);
    main.startFromEnvironment();
    await waitForAllMessagesAcknowledged();
  } catch (err) {
    process.stderr.write(`[spyglass agent] not started: ${(err as Error).message}\n`);
  }
}
