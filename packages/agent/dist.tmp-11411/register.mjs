// packages/agent/src/register.ts
import { createRequire, register } from 'node:module';
var require2 = createRequire(import.meta.url);
var main = require2('./agent.cjs');
if (!main.isToolProcess() && process.env['SPYGLASS_AGENT_DISABLED'] !== '1') {
  try {
    const iitm = require2('import-in-the-middle');
    const { registerOptions, waitForAllMessagesAcknowledged } = iitm.createAddHookMessageChannel();
    register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);
    main.startFromEnvironment();
    await waitForAllMessagesAcknowledged();
  } catch (err) {
    process.stderr.write(`[spyglass agent] not started: ${err.message}
`);
  }
}
