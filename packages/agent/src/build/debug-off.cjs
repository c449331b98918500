'use strict';
// Stands in for the `debug` package inside the agent's bundle (see build-agent.ts): the only
// bundled library that uses it (require-in-the-middle) merely logs through it, and loading the real
// one (tty and colour detection, environment parsing) cost milliseconds of every instrumented
// application's startup. The agent's own diagnostics use SPYGLASS_AGENT_DEBUG.
function createDebug(namespace) {
  const log = () => undefined;
  log.enabled = false;
  log.namespace = namespace;
  log.extend = () => log;
  return log;
}
createDebug.enable = () => undefined;
createDebug.disable = () => '';
createDebug.enabled = () => false;
createDebug.debug = createDebug;
createDebug.default = createDebug;
module.exports = createDebug;
