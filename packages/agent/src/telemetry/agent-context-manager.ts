import type { AsyncLocalStorage } from 'node:async_hooks';
import { context, type Context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';

/**
 * The agent's context manager: OpenTelemetry's AsyncLocalStorage one, plus
 * `apply`, a call in a context for the agent's own hot paths (every event of
 * every HTTP request and response): no bound function and no argument copies
 * (the API's `context.with` makes both), and no storage switch at all when
 * the context is already the active one (events emitted from the handler's
 * own calls, such as 'finish' from `res.end`).
 */
export class AgentContextManager extends AsyncLocalStorageContextManager {
  /** Calls `fn` with `thisArg` and `args` (an arguments object) in `ctx`. */
  apply<R>(ctx: Context, fn: (...args: never[]) => R, thisArg: unknown, args: ArrayLike<unknown>): R {
    const storage = this.storage();
    if (storage.getStore() === ctx) return Reflect.apply(fn, thisArg, args) as R;
    return storage.run(ctx, () => Reflect.apply(fn, thisArg, args) as R);
  }

  private storage(): AsyncLocalStorage<Context> {
    // The parent's storage: a protected-in-spirit field of @opentelemetry/context-async-hooks (stable since 1.x).
    return (this as unknown as { _asyncLocalStorage: AsyncLocalStorage<Context> })._asyncLocalStorage;
  }
}

let installed: AgentContextManager | undefined;

/** Registers the manager as the API's global one; `applyInContext` uses it from then on. */
export function installContextManager(manager: AgentContextManager): boolean {
  const ok = context.setGlobalContextManager(manager.enable());
  if (ok) installed = manager;
  return ok;
}

/**
 * `fn.apply(thisArg, args)` in `ctx`: through the agent's manager when it is
 * the global one, else through the API (another manager was registered first).
 */
export function applyInContext<R>(
  ctx: Context,
  fn: (...args: never[]) => R,
  thisArg: unknown,
  args: ArrayLike<unknown>,
): R {
  if (installed) return installed.apply(ctx, fn, thisArg, args);
  return context.with(ctx, () => Reflect.apply(fn, thisArg, args) as R);
}
