import type { AsyncLocalStorage } from 'node:async_hooks';
import { context, type Context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { HookContextStorage, callWith } from './hook-context-storage.ts';

/**
 * AsyncLocalStorage as Node.js 20 and 22 implement it on async hooks: an
 * enabled storage keeps its value as a property of the current async
 * resource, under its own `kResourceStore` symbol (lib/async_hooks.js). Node
 * 24's AsyncContextFrame storage has no such field.
 */
type HookedStorage = AsyncLocalStorage<Context> & { readonly kResourceStore?: unknown };

/**
 * The agent's context manager: OpenTelemetry's AsyncLocalStorage one (on
 * HookContextStorage where Node's AsyncLocalStorage is built on async hooks), plus
 * `call` and `apply`, a call in a context for the agent's own hot paths (the
 * handler of every HTTP request, the listened-to events of its request and
 * response): no bound function and no argument copies (the API's
 * `context.with` makes both), and no storage switch at all when the context
 * is already the active one (events emitted from the handler's own calls,
 * such as 'finish' from `res.end`).
 */
export class AgentContextManager extends AsyncLocalStorageContextManager {
  constructor() {
    super();
    // Where AsyncLocalStorage is built on async hooks, the same storage for less per async
    // resource (see hook-context-storage.ts); AsyncContextFrame's (Node 24) costs nothing per
    // resource and stays. The parent's storage has not registered a hook yet (it does at its
    // first run), so nothing is left behind.
    const parent = this.storage() as HookedStorage;
    if (typeof parent.kResourceStore === 'symbol') this.replaceStorage(new HookContextStorage<Context>());
  }

  /** Calls `fn` with `thisArg` and `args` (an arguments object) in `ctx`. */
  apply<R>(ctx: Context, fn: (...args: never[]) => R, thisArg: unknown, args: ArrayLike<unknown>): R {
    return this.call(ctx, Reflect.apply, undefined, 3, fn, thisArg, args) as R;
  }

  /** Calls `fn` with `thisArg` and the first `count` (0 to 3) of `a`, `b`, `c` in `ctx`. */
  call<R>(
    ctx: Context,
    fn: (...args: never[]) => R,
    thisArg: unknown,
    count: number,
    a?: unknown,
    b?: unknown,
    c?: unknown,
  ): R {
    const storage = this.storage();
    if (storage instanceof HookContextStorage) return storage.call(ctx, fn, thisArg, count, a, b, c) as R;
    // AsyncContextFrame's storage (Node 24).
    if (storage.getStore() === ctx) return callWith(fn, thisArg, count, a, b, c);
    return storage.run(ctx, () => callWith(fn, thisArg, count, a, b, c));
  }

  // The parent's storage: a protected-in-spirit field of @opentelemetry/context-async-hooks (stable
  // since 1.x). The parent calls getStore, run, enterWith and disable on it (and reads withScope,
  // which HookContextStorage lacks, as AsyncLocalStorage before Node 25.9 does).
  private storage(): AsyncLocalStorage<Context> | HookContextStorage<Context> {
    return (this as unknown as { _asyncLocalStorage: AsyncLocalStorage<Context> })._asyncLocalStorage;
  }

  private replaceStorage(storage: HookContextStorage<Context>): void {
    (this as unknown as { _asyncLocalStorage: unknown })._asyncLocalStorage = storage;
  }
}

let installed: AgentContextManager | undefined;

/** Registers the manager as the API's global one; `applyInContext` and `callInContext` use it from then on. */
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
  return callInContext(ctx, Reflect.apply, undefined, 3, fn, thisArg, args) as R;
}

/**
 * `fn.call(thisArg, a, b, c)` with the first `count` (0 to 3) of those
 * arguments, in `ctx`: applyInContext for a wrapper that knows how many
 * arguments it was given, without its arguments object.
 */
export function callInContext<R>(
  ctx: Context,
  fn: (...args: never[]) => R,
  thisArg: unknown,
  count: number,
  a?: unknown,
  b?: unknown,
  c?: unknown,
): R {
  if (installed) return installed.call(ctx, fn, thisArg, count, a, b, c);
  return context.with(ctx, () => callWith(fn, thisArg, count, a, b, c));
}
