/**
 * The CommonJS-only preload entry, `node --require <dist>/register.cjs`, for
 * Node.js versions without module.register (before 18.19 / 20.6): CommonJS
 * modules are instrumented, ES modules are not.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const main = require('./agent.cjs') as typeof import('./agent-main.ts');
main.startFromEnvironment();
