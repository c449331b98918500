import assert from 'node:assert/strict';
import { setImmediate as immediate } from 'node:timers/promises';
import { test } from 'node:test';
import { ROOT_CONTEXT, context, createContextKey, type Context } from '@opentelemetry/api';
import { AgentContextManager } from '../src/telemetry/agent-context-manager.ts';

const KEY = createContextKey('test value');
const withValue = (value: string): Context => ROOT_CONTEXT.setValue(KEY, value);
const active = (manager: AgentContextManager) => manager.active().getValue(KEY);

/*
 * AgentContextManager.apply switches the storage itself on Node.js's async-hooks
 * AsyncLocalStorage (see agent-context-manager.ts); it must behave as the API's
 * context.with does: the context inside, the previous one after, through
 * nesting, exceptions and asynchronous continuations.
 */
test('apply runs the function in the context and restores the previous one, as context.with does', async () => {
  const manager = new AgentContextManager();
  assert.equal(context.setGlobalContextManager(manager.enable()), true);
  try {
    const outer = withValue('outer');
    const inner = withValue('inner');
    function read(this: { self: string }, a: number, b: number): string {
      return `${this.self} ${a + b} ${String(active(manager))}`;
    }
    // Before the storage's first run (the public path), then after it (the agent's own path).
    for (const round of ['first', 'later']) {
      assert.equal(manager.apply(outer, read, { self: round }, [1, 2]), `${round} 3 outer`);
      assert.equal(active(manager), undefined, 'restored after the call');
    }
    // On Node.js 20 and 22 the later calls take the agent's own path: the storage is the async-hooks one.
    const storage = (
      manager as unknown as { _asyncLocalStorage: { kResourceStore?: unknown; enabled?: unknown } }
    )._asyncLocalStorage;
    if (Number(process.versions.node.split('.')[0]) < 24) {
      assert.equal(typeof storage.kResourceStore, 'symbol');
      assert.equal(storage.enabled, true);
    }
    // Nested: the inner context inside, the outer one again after it.
    const seen = manager.apply(
      outer,
      () => {
        const during = manager.apply(inner, () => active(manager), undefined, []);
        return [during, active(manager)];
      },
      undefined,
      [],
    );
    assert.deepEqual(seen, ['inner', 'outer']);
    // The same context as the active one: no switch, the same result.
    manager.apply(
      outer,
      () =>
        assert.equal(
          manager.apply(outer, () => active(manager), null, []),
          'outer',
        ),
      null,
      [],
    );
    // An exception leaves the previous context in place.
    assert.throws(
      () =>
        manager.apply(
          outer,
          () => {
            throw new Error('handler failed');
          },
          undefined,
          [],
        ),
      /handler failed/,
    );
    assert.equal(active(manager), undefined);
    // Work scheduled inside continues in the context; work after the call does not.
    const later = await new Promise<unknown>((resolve) =>
      manager.apply(outer, () => setTimeout(() => resolve(active(manager)), 1), undefined, []),
    );
    assert.equal(later, 'outer');
    await immediate();
    assert.equal(active(manager), undefined);
    // Inside context.with (the storage's own run), apply nests the same way.
    context.with(inner, () => {
      assert.equal(
        manager.apply(outer, () => active(manager), undefined, []),
        'outer',
      );
      assert.equal(active(manager), 'inner');
    });
  } finally {
    context.disable();
  }
});

/*
 * call() is apply() for wrappers that hand on their arguments one by one (the
 * emit of every request and response): the callee must see exactly the
 * arguments it was given, no more (a listener of emit('end') that reads
 * arguments.length, or a default parameter, must not see an `undefined` the
 * wrapper added), with its `this`, in the context, switched or not.
 */
test('call hands on exactly count arguments, with this, in the context', () => {
  const manager = new AgentContextManager();
  assert.equal(context.setGlobalContextManager(manager.enable()), true);
  try {
    const outer = withValue('outer');
    function seen(this: { self: string }, ...args: unknown[]): string {
      return `${this.self} [${args.map(String).join(',')}] ${args.length} ${String(active(manager))}`;
    }
    const self = { self: 'me' };
    for (const round of ['first', 'later'])
      assert.deepEqual(
        [0, 1, 2, 3].map((count) => manager.call(outer, seen, self, count, 'a', undefined, 'c')),
        ['me [] 0 outer', 'me [a] 1 outer', 'me [a,undefined] 2 outer', 'me [a,undefined,c] 3 outer'],
        round,
      );
    assert.equal(active(manager), undefined, 'restored after the calls');
    // The context already active: the same arguments, without a switch.
    assert.equal(
      manager.call(outer, () => manager.call(outer, seen, self, 2, 'x', 'y'), null, 0),
      'me [x,y] 2 outer',
    );
  } finally {
    context.disable();
  }
});
