// Experiment: as context-als.cjs, with the storage written out on async_hooks the way Node 20's
// AsyncLocalStorage is (lib/async_hooks.js), except that the context's key is one constant symbol
// and a resource created with no context active gets no property (AsyncLocalStorage stores
// `undefined` on it, adding a property to every resource); one that already holds a context (its
// init run again) has it cleared. The agent's HookContextStorage (hook-context-storage.ts) is this
// design; it is written out here so that the preload loads nothing but itself.
const { createHook, executionAsyncResource } = require('node:async_hooks');
const http = require('node:http');
const CONTEXT = Symbol('context');
createHook({
  init(asyncId, type, triggerAsyncId, resource) {
    const context = executionAsyncResource()[CONTEXT];
    if (context !== undefined || resource[CONTEXT] !== undefined) resource[CONTEXT] = context;
  },
}).enable();
function run(context, fn) {
  const resource = executionAsyncResource();
  const previous = resource[CONTEXT];
  resource[CONTEXT] = context;
  try {
    return fn();
  } finally {
    resource[CONTEXT] = previous;
  }
}
const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function (event, req, res) {
  if (event !== 'request') return emit.apply(this, arguments);
  return run({ request: req }, () => emit.call(this, event, req, res));
};
