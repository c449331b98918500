/**
 * import-in-the-middle as the instrumentations see it in the agent's bundle
 * (build-agent.ts points @opentelemetry/instrumentation's import here).
 *
 * `InstrumentationBase.enable()` makes an import-in-the-middle `Hook` for
 * every module it patches, in every application. Those hooks are only ever
 * called by import-in-the-middle's loader hook, which the agent registers for
 * ES-module applications alone (esm-hooks.ts). In a CommonJS application they
 * never fire, and loading the package to make them cost its start a module
 * resolution, a package.json read, a compile and node:worker_threads. Here a
 * Hook is import-in-the-middle's own once `useImportHooks()` has been called
 * (before any instrumentation is built), and one that does nothing otherwise.
 */

/** What @opentelemetry/instrumentation keeps of a hook: it unhooks it when disabled. */
interface ImportHook {
  unhook(): void;
}

type HookFunction = (...args: never[]) => unknown;
type HookConstructor = new (modules: unknown, options: unknown, hookFn?: HookFunction) => ImportHook;

const INERT: ImportHook = Object.freeze({ unhook() {} });

let realHook: HookConstructor | undefined;

/** The application is an ES-module one: import-in-the-middle's loader hook will call the hooks. */
export function useImportHooks(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only for ES-module applications
  realHook ??= (require('import-in-the-middle') as { Hook: HookConstructor }).Hook;
}

/**
 * `new Hook(modules, options, hookFn)`: import-in-the-middle's Hook, or an
 * inert one. A constructor function that returns an object, so `new` gives
 * that object.
 */
export function Hook(modules: unknown, options: unknown, hookFn?: HookFunction): ImportHook {
  return realHook !== undefined ? new realHook(modules, options, hookFn) : INERT;
}
