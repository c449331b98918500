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
 *   the storage object.
 * bench/agent/experiments/context-als.cjs and context-hook.cjs price the two
 * alone on the benchmark app: AsyncLocalStorage.run per request added 10 K
 * instructions per trivial request, this design none that showed
 * (bench/agent/RESULTS.md, fourteenth session).
 *
 * `call` is run() for the context manager's hot path (see AgentContextManager.call).
 *
 * While `call` runs its callback, the context it made current is also kept
 * beside the execution's async id (`#applied`): a resource created then (most
 * of a request's: the handler's writes, the response's ticks) takes it from
 * there, where reading it from the current resource costs two megamorphic
 * property reads (node's public-resource lookup, then the key). A resource
 * created under another execution id (a callback that runs later, an
 * AsyncResource's scope entered inside the callback) reads the current
 * resource, as before.
 */
export class HookContextStorage<T> {
  readonly kResourceStore: symbol = Symbol('spyglass.context');
  enabled = false;
  readonly #hook: AsyncHook;
  /** The execution async id inside the innermost running `call` (-1: none), and its context. */
  readonly #applied: { asyncId: number; context: unknown } = { asyncId: -1, context: undefined };
  /**
   * The context `init` last read from the current resource, and that execution's async id (-1:
   * none). An execution often creates several resources (a socket's read makes four tick objects
   * in bench/agent's trivial request): the second and later take it from here. Only enterWith
   * writes the current resource's context without restoring it (call restores what it replaced,
   * and the ids of reused native resources are new), so it forgets it; so does enabling again.
   */
  readonly #read: { asyncId: number; context: unknown } = { asyncId: -1, context: undefined };

  constructor() {
    const key = this.kResourceStore;
    const applied = this.#applied;
    const read = this.#read;
    this.#hook = createHook({
      init(_asyncId: number, type: string, _triggerAsyncId: number, resource: object) {
        const id = executionAsyncId();
        let context: unknown;
        if (id === applied.asyncId) context = applied.context;
        else if (id === read.asyncId) context = read.context;
        else {
          context = (executionAsyncResource() as Resource)[key];
          // Id 0 (no JavaScript execution known to async_hooks) is not one execution: not kept.
          if (id > 0) {
            read.asyncId = id;
            read.context = context;
          }
        }
        carryContext(key, context, resource as Resource, type);
      },
    });
  }

  getStore(): T | undefined {
    if (!this.enabled) return undefined;
    return (executionAsyncResource() as Resource)[this.kResourceStore] as T | undefined;
  }

  /** Calls `callback(...args)` with `store` active, and what was active before restored after. */
  run<R, A extends unknown[]>(store: T, callback: (...args: A) => R, ...args: A): R {
    return this.call(store, Reflect.apply, undefined, 3, callback, null, args) as R;
  }

  /**
   * `callback.call(thisArg, a, b, c)` with its first `count` (0 to 3) of
   * those arguments, `store` active, and what was active before restored
   * after: the context manager's hot path (the handler of every HTTP request,
   * the listened-to events of its request and response), with one lookup of
   * the current resource and no switch at all when `store` is active already.
   * The arguments come one by one, not as an arguments object: a wrapper that
   * passed on its `arguments` had it made on every call (V8 allocates it at
   * the function's entry when it escapes on any path), listened-to event or not.
   */
  call<R>(
    store: T,
    callback: (...args: never[]) => R,
    thisArg: unknown,
    count: number,
    a?: unknown,
    b?: unknown,
    c?: unknown,
  ): R {
    this.#enable();
    const resource = executionAsyncResource() as Resource;
    const key = this.kResourceStore;
    const previous = resource[key];
    if (previous === store) return callWith(callback, thisArg, count, a, b, c);
    const applied = this.#applied;
    const outerId = applied.asyncId;
    const outerContext = applied.context;
    resource[key] = store;
    applied.asyncId = executionAsyncId();
    applied.context = store;
    try {
      return callWith(callback, thisArg, count, a, b, c);
    } finally {
      resource[key] = previous;
      applied.asyncId = outerId;
      applied.context = outerContext;
    }
  }

  /** Makes `store` active for the rest of the current execution and what it schedules. */
  enterWith(store: T): void {
    this.#enable();
    (executionAsyncResource() as Resource)[this.kResourceStore] = store;
    this.#read.asyncId = -1;
    // Inside a call's callback, in its execution: the rest of the callback runs with `store` too.
    if (executionAsyncId() === this.#applied.asyncId) this.#applied.context = store;
  }

  /** Stops propagating (getStore answers undefined) until the next run or enterWith. */
  disable(): void {
    if (!this.enabled) return;
    this.enabled = false;
    this.#hook.disable();
  }

  #enable(): void {
    if (this.enabled) return;
    this.enabled = true;
    this.#read.asyncId = -1;
    this.#hook.enable();
  }
}

/** `fn.call(thisArg, a, b, c)` with the first `count` (0 to 3) of those arguments. */
export function callWith<R>(
  fn: (...args: never[]) => R,
  thisArg: unknown,
  count: number,
  a: unknown,
  b: unknown,
  c: unknown,
): R {
  const call = fn as (this: unknown, ...args: unknown[]) => R;
  switch (count) {
    case 0:
      return call.call(thisArg);
    case 1:
      return call.call(thisArg, a);
    case 2:
      return call.call(thisArg, a, b);
    default:
      return call.call(thisArg, a, b, c);
  }
}

/**
 * What `init` does for a resource of kind `type` just created (or reused)
 * while `context` is the current one: the context under `key` goes with it;
 * none is written when there is none to carry and none to clear. Tick objects
 * (process.nextTick) and promises are always new objects, whose `init` runs
 * once: they have nothing to clear and are not read for it. That read is
 * megamorphic (resources of every kind come here), and nextTicks made outside
 * any request are among the most common resources. Timeouts are not fresh
 * that way: node:timers initializes a destroyed one again when it is re-armed
 * (insertGuarded).
 */
export function carryContext(key: symbol, context: unknown, resource: Resource, type: string): void {
  if (context !== undefined) {
    // Tick objects and promises, most of the resources, have one hidden class each: each kind is
    // stored by a function of its own, so that its store site stays monomorphic (an inline
    // transition), where one site for every kind is megamorphic (~240 instructions a store; ten
    // tick objects per trivial request in bench/agent). V8 keeps feedback per function, and the
    // bundler keeps separate functions apart (identical branches it would merge).
    if (type === 'TickObject') storeOnTickObject(resource, key, context);
    else if (type === 'PROMISE') storeOnPromise(resource, key, context);
    else resource[key] = context;
  } else if (type !== 'TickObject' && type !== 'PROMISE' && resource[key] !== undefined)
    resource[key] = undefined;
}

function storeOnTickObject(tickObject: Resource, key: symbol, context: unknown): void {
  tickObject[key] = context;
}

function storeOnPromise(promise: Resource, key: symbol, context: unknown): void {
  promise[key] = context;
}
