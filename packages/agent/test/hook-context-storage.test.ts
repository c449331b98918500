import assert from 'node:assert/strict';
import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import { EventEmitter, once } from 'node:events';
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { setImmediate as immediate } from 'node:timers/promises';
import { HookContextStorage, carryContext } from '../src/telemetry/hook-context-storage.ts';

/** What the context manager calls on its storage: AsyncLocalStorage's methods it uses. */
interface Storage {
  getStore(): string | undefined;
  run<R>(store: string, callback: () => R): R;
  enterWith(store: string): void;
  disable(): void;
}

/**
 * One scenario of everything an application does between a context's start
 * and its continuations: nextTick, timers, immediates, promises, await,
 * AsyncResource, nesting, an exception, enterWith, disable. Returns what the
 * storage answered at each step, for AsyncLocalStorage and
 * HookContextStorage to be compared.
 */
async function observe(storage: Storage): Promise<Record<string, string | undefined>> {
  const seen: Array<[string, string | undefined]> = [];
  const note = (step: string) => seen.push([step, storage.getStore()]);
  note('before any run');
  const done: Array<Promise<unknown>> = [];
  storage.run('request', () => {
    note('in run');
    done.push(new Promise<void>((resolve) => process.nextTick(() => (note('nextTick'), resolve()))));
    done.push(new Promise<void>((resolve) => setTimeout(() => (note('setTimeout'), resolve()), 1)));
    done.push(new Promise<void>((resolve) => setImmediate(() => (note('setImmediate'), resolve()))));
    done.push(Promise.resolve().then(() => note('promise then')));
    done.push(
      (async () => {
        await immediate();
        note('after await');
        storage.run('nested', () => note('nested run'));
        note('after nested run');
      })(),
    );
    const resource = new AsyncResource('TEST');
    storage.run('other', () => resource.runInAsyncScope(() => note('AsyncResource made in request')));
    assert.throws(() =>
      storage.run('failing', () => {
        throw new Error('handler failed');
      }),
    );
    note('after a failing run');
    // An emitter calls its listeners synchronously, in the emitting context, in both.
    const emitter = new EventEmitter();
    emitter.on('event', () => note('listener, emitted in another run'));
    storage.run('emitter', () => emitter.emit('event'));
  });
  // One execution whose context is switched several times (run, enterWith in a nested scope):
  // each resource made takes the context of its moment.
  const tick = (step: string) =>
    done.push(new Promise<void>((resolve) => process.nextTick(() => (note(step), resolve()))));
  storage.run('switching', () => {
    tick('nextTick made in a run');
    storage.run('inner', () => tick('nextTick made in an inner run'));
    tick('nextTick made after the inner run');
    new AsyncResource('NESTED').runInAsyncScope(() => {
      tick('nextTick made in a nested scope, before enterWith');
      storage.enterWith('entered in a nested scope');
      tick('nextTick made in a nested scope');
    });
    tick('nextTick made after the nested scope');
    // A scope entered inside the run (an AsyncResource made elsewhere): its own context, not the run's.
    const madeOutside = storage.run('made elsewhere', () => new AsyncResource('ELSEWHERE'));
    madeOutside.runInAsyncScope(() => tick('nextTick made in a scope entered in a run'));
    storage.enterWith('entered in a run');
    tick('nextTick made after enterWith in a run');
  });
  note('after run');
  // One scope entered three times (as a socket's callbacks are, with one async id): what enterWith
  // left in it is what the next time's resources take.
  const reentered = new AsyncResource('REENTERED');
  reentered.runInAsyncScope(() => tick('nextTick made in a scope entered again, first time'));
  reentered.runInAsyncScope(() => storage.enterWith('entered in a scope entered again'));
  reentered.runInAsyncScope(() => tick('nextTick made in a scope entered again, after its enterWith'));
  await Promise.all(done);
  setTimeout(() => note('timer made outside any run'), 1);
  await new Promise((resolve) => setTimeout(resolve, 5));
  await new Promise<void>((resolve) =>
    setImmediate(() => {
      storage.enterWith('entered');
      note('after enterWith');
      process.nextTick(() => (note('nextTick after enterWith'), resolve()));
    }),
  );
  storage.disable();
  note('disabled');
  // By step: timers and immediates may run in either order from one run to the next.
  return Object.fromEntries(seen);
}

test('HookContextStorage answers as AsyncLocalStorage does, step by step', async () => {
  const expected = await observe(new AsyncLocalStorage<string>() as Storage);
  const actual = await observe(new HookContextStorage<string>() as Storage);
  assert.deepEqual(actual, expected);
  // The scenario saw what it is about (not two storages that both answer undefined).
  assert.equal(Object.keys(expected).length, 27);
  const of = (step: string) => expected[step];
  assert.equal(of('setTimeout'), 'request');
  assert.equal(of('after await'), 'request');
  assert.equal(of('nested run'), 'nested');
  assert.equal(of('AsyncResource made in request'), 'request');
  assert.equal(of('listener, emitted in another run'), 'emitter');
  assert.equal(of('timer made outside any run'), undefined);
  assert.equal(of('nextTick after enterWith'), 'entered');
  assert.equal(of('disabled'), undefined);
  assert.equal(of('nextTick made in an inner run'), 'inner');
  assert.equal(of('nextTick made after the inner run'), 'switching');
  assert.equal(of('nextTick made in a nested scope, before enterWith'), 'switching');
  assert.equal(of('nextTick made in a nested scope'), 'entered in a nested scope');
  assert.equal(of('nextTick made after the nested scope'), 'switching');
  assert.equal(of('nextTick made in a scope entered in a run'), 'made elsewhere');
  assert.equal(of('nextTick made after enterWith in a run'), 'entered in a run');
  assert.equal(of('nextTick made in a scope entered again, first time'), undefined);
  assert.equal(
    of('nextTick made in a scope entered again, after its enterWith'),
    'entered in a scope entered again',
  );
});

test('init: a resource gets the current context, none when there is none, and a reused one loses its old one', () => {
  const key = Symbol('context');
  for (const type of ['TickObject', 'PROMISE', 'Timeout', 'HTTPINCOMINGMESSAGE']) {
    const fresh: Record<symbol, unknown> = {};
    carryContext(key, 'request', fresh, type);
    assert.equal(fresh[key], 'request', type);
    const outside: Record<symbol, unknown> = {};
    carryContext(key, undefined, outside, type);
    assert.deepEqual(Object.getOwnPropertySymbols(outside), [], `${type}: no property written`);
  }
  // A native resource, or a timer, initialized again for another use outside any context.
  for (const type of ['HTTPINCOMINGMESSAGE', 'Timeout']) {
    const reused: Record<symbol, unknown> = { [key]: 'an earlier request' };
    carryContext(key, undefined, reused, type);
    assert.equal(reused[key], undefined, type);
  }
});

test('init: a timer re-armed after it fired, outside any context, loses the context it was made in', async () => {
  // node:timers initializes a destroyed Timeout again when it is re-armed (insertGuarded): a
  // socket's idle timer made during one request and re-armed later is the common case.
  const storage = new HookContextStorage<string>();
  const seen: Array<string | undefined> = [];
  const timer = storage.run('request', () => setTimeout(() => seen.push(storage.getStore()), 1));
  await new Promise((resolve) => setTimeout(resolve, 20));
  await new Promise<void>((resolve) =>
    setImmediate(() => {
      // Outside any context: refresh() re-arms the fired (destroyed) timer.
      timer.refresh();
      setTimeout(resolve, 20);
    }),
  );
  storage.disable();
  assert.deepEqual(seen, ['request', undefined]);
});

test('keep-alive HTTP requests, in a context and outside any, each see their own', async () => {
  // The client's socket and node:http's parsers are reused from one request to the next: a
  // request made in a context, then one made outside any, must not see the first one's context.
  const server: Server = createServer((_req, res) => res.end('ok'));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const storage = new HookContextStorage<string>();
  const request = () =>
    new Promise<string | undefined>((resolve, reject) => {
      get(url, (res) => {
        res.resume();
        res.on('end', () => resolve(storage.getStore()));
      }).on('error', reject);
    });
  try {
    for (let i = 0; i < 5; i++) {
      assert.equal(await storage.run('first', request), 'first');
      // Outside any run: the store is read in the response's own continuation.
      const outside = await new Promise<string | undefined>((resolve, reject) =>
        setImmediate(() => void request().then(resolve, reject)),
      );
      assert.equal(outside, undefined, `request ${i} outside any context`);
    }
  } finally {
    storage.disable();
    server.close();
  }
});
