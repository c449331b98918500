// Experiment (a `preload:` variant of bench:agent-instructions): context propagation alone, the way
// Node.js 20 offers it. Each request's handler runs in AsyncLocalStorage.run with a fresh context
// object, as the agent runs it in its request's context; nothing else is done. What the storage
// costs per request is what any agent built on AsyncLocalStorage pays on Node 20 (async_hooks
// `init` on every nextTick, timer and promise), before it records anything.
const { AsyncLocalStorage } = require('node:async_hooks');
const http = require('node:http');
const storage = new AsyncLocalStorage();
const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function (event, req, res) {
  if (event !== 'request') return emit.apply(this, arguments);
  return storage.run({ request: req }, () => emit.call(this, event, req, res));
};
