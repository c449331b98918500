import { createHook, executionAsyncId, executionAsyncResource, type AsyncHook } from 'node:async_hooks';

/** An async resource as the storage sees it: any object, the context under the storage's key. */
type Resource = Record<symbol, unknown>;

/**
 * The active context's storage where Node.js builds AsyncLocalStorage on
 * async hooks (18, 20, and 22 without AsyncContextFrame): the same design as
 * its AsyncLocalStorage (lib/async_hooks.js), the value kept as a property of
 * the current async resource and copied to every resource created under it,
 * with the same methods the context manager calls (getStore, run, enterWith,
 * disable), and two differences that make it cheaper on every nextTick, timer
 * and promise the application creates:
 * - a resource created while no context is active gets no property, where
 *   AsyncLocalStorage stores `undefined` on it: a property added to every
 *   resource, a new hidden class for each kind. One that carries a context
 *   from an earlier life (a native resource whose `init` runs again when it is
 *   reused) has it cleared, as AsyncLocalStorage would overwrite it.
 * - its `init` hook reads and writes one key it closes over, where
 *   AsyncLocalStorage loops over every storage and reads each one's key from
 *   the storage object;
 * - the current context is read from the executing resource once per
 *   execution, not once per resource made (ExecutionContextCache).
 * bench/agent/experiments/context-als.cjs and context-hook.cjs price the two
 * alone on the benchmark app: AsyncLocalStorage.run per request added 10 K
 * instructions per trivial request, this design none that showed
 * (bench/agent/RESULTS.md, fourteenth session).
 *
 * `apply` is run() for the context manager's hot path (see AgentContextManager.apply).
 */
export class HookContextStorage<T> {
  readonly kResourceStore: symbol = Symbol('spyglass.context');
  enabled = false;
  readonly #hook: AsyncHook;
  /** The current execution's context, remembered by its async id (see ExecutionContextCache). */
  readonly #cache: ExecutionContextCache;

  constructor() {
    const key = this.kResourceStore;
    const cache = (this.#cache = new ExecutionContextCache(key));
    this.#hook = createHook({
      init(_asyncId: number, _type: string, _triggerAsyncId: number, resource: object) {
        carryContext(key, cache.current(), resource as Resource);
      },
    });
  }

  getStore(): T | undefined {
    if (!this.enabled) return undefined;
    return this.#cache.current() as T | undefined;
  }

  /** Calls `callback(...args)` with `store` active, and what was active before restored after. */
  run<R, A extends unknown[]>(store: T, callback: (...args: A) => R, ...args: A): R {
    return this.apply(store, callback as unknown as (...args: never[]) => R, null, args);
  }

  /**
   * `callback.apply(thisArg, args)` with `store` active, and what was active
   * before restored after: run() without its rest array (the context
   * manager's hot path, for every HTTP request and its listened-to events).
   */
  apply<R>(store: T, callback: (...args: never[]) => R, thisArg: unknown, args: ArrayLike<unknown>): R {
    this.#enable();
    const cache = this.#cache;
    const previous = cache.current();
    if (previous === store) return Reflect.apply(callback, thisArg, args) as R;
    const resource = executionAsyncResource() as Resource;
    const key = this.kResourceStore;
    resource[key] = store;
    cache.set(store);
    try {
      return Reflect.apply(callback, thisArg, args) as R;
    } finally {
      resource[key] = previous;
      cache.set(previous);
    }
  }

  /** Makes `store` active for the rest of the current execution and what it schedules. */
  enterWith(store: T): void {
    this.#enable();
    (executionAsyncResource() as Resource)[this.kResourceStore] = store;
    this.#cache.set(store);
  }

  /** Stops propagating (getStore answers undefined) until the next run or enterWith. */
  disable(): void {
    if (!this.enabled) return;
    this.enabled = false;
    this.#hook.disable();
    this.#cache.forget();
  }

  #enable(): void {
    if (this.enabled) return;
    this.enabled = true;
    this.#cache.forget();
    this.#hook.enable();
  }
}

/**
 * The context of the execution running now, kept with that execution's async
 * id: `init` runs for every nextTick, timer and promise, and most of those are
 * made several to an execution (a request handler makes many), so the
 * context is read from the executing resource once per execution instead of
 * once per resource made. Reading it costs two megamorphic keyed loads
 * (executionAsyncResource() reads the public resource behind the internal
 * one, then the context); the async id is one read of a typed array.
 * Contract: every write of the context to the executing resource goes through
 * `set` (run, apply, enterWith): the storage writes it to no other resource
 * that runs under the same async id, since ids are never reused. Ids 0
 * (unknown) and 1 (the top level) are never remembered.
 */
class ExecutionContextCache {
  #id = -1;
  #context: unknown = undefined;

  constructor(private readonly key: symbol) {}

  /** The executing resource's context. */
  current(): unknown {
    const id = executionAsyncId();
    if (id === this.#id) return this.#context;
    const context = (executionAsyncResource() as Resource)[this.key];
    if (id > 1) {
      this.#id = id;
      this.#context = context;
    }
    return context;
  }

  /** The executing resource's context was just set to `context`. */
  set(context: unknown): void {
    const id = executionAsyncId();
    this.#id = id > 1 ? id : -1;
    this.#context = context;
  }

  forget(): void {
    this.#id = -1;
    this.#context = undefined;
  }
}

/**
 * What `init` does for a resource just created (or reused) while `context`
 * is the current one: the context under `key` goes with it; none is written
 * when there is none to carry and none to clear.
 */
export function carryContext(key: symbol, context: unknown, resource: Resource): void {
  if (context !== undefined || resource[key] !== undefined) resource[key] = context;
}
