import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { Hook } from 'require-in-the-middle';
import {
  RequireInTheMiddleSingleton,
  moduleDetailsFromPath,
  rememberPackageVersions,
} from '../src/telemetry/require-hook.ts';

/**
 * The agent's require hook replaces require-in-the-middle under
 * @opentelemetry/instrumentation (see build-agent.ts), so it must call the
 * instrumentations exactly as require-in-the-middle does: the same names,
 * base directories and order, the same exports for later requires, cycles
 * left alone. The differential test loads two identical package trees, one
 * under each hook, and compares what the registered hooks saw.
 */

/** A small node_modules tree: packages with main files and internal files, scoped, nested, cyclic. */
function packageTree(): string {
  const root = mkdtempSync(join(tmpdir(), 'spyglass-require-hook-'));
  const file = (path: string, text: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  file('node_modules/alpha/package.json', JSON.stringify({ name: 'alpha', main: 'lib/index.js' }));
  file('node_modules/alpha/lib/index.js', "exports.inner = require('./inner'); exports.name = 'alpha';");
  file('node_modules/alpha/lib/inner.js', "exports.inner = true; require('gamma');");
  file('node_modules/@scope/beta/index.js', "module.exports = { name: 'beta', alpha: require('alpha') };");
  file('node_modules/@scope/beta/extra.js', "module.exports = 'extra';");
  file('node_modules/gamma/index.js', "module.exports = 'gamma';");
  // epsilon is only ever required by a path into node_modules.
  file('node_modules/epsilon/index.js', "module.exports = 'epsilon';");
  // delta's main requires a file that requires the main back: a cycle.
  file(
    'node_modules/delta/index.js',
    "exports.early = true; exports.back = require('./back'); exports.done = true;",
  );
  file('node_modules/delta/back.js', "module.exports = require('./index.js');");
  // alpha nested in beta's own node_modules: a different copy with its own base directory.
  file('node_modules/@scope/beta/node_modules/alpha/index.js', 'module.exports = { nested: true };');
  file(
    'app.js',
    [
      "require('alpha');",
      "require('@scope/beta');",
      "require('@scope/beta/extra.js');",
      "require('gamma');",
      "require('delta');",
      "require('./node_modules/@scope/beta/node_modules/alpha');",
      "require('./node_modules/epsilon');",
      "require('node:http');",
      "require('fs/promises');",
      "require('fs');",
    ].join('\n'),
  );
  return root;
}

const REGISTERED = ['alpha', '@scope/beta', 'delta', 'epsilon', 'http', 'fs'];
type Seen = Array<[string, string | undefined]>;

/** What upstream's trie would pass on: exact for built-ins, the name or a parent path for packages. */
function matchesRegistered(name: string, basedir: string | undefined): boolean {
  return REGISTERED.some((r) => name === r || (basedir !== undefined && name.startsWith(`${r}/`)));
}

test('the hook sees what require-in-the-middle sees: names, base directories and order', () => {
  const withRitm = packageTree();
  const withOurs = packageTree();
  const relative = (root: string, basedir: string | undefined) => basedir?.slice(root.length);

  const ritmSeen: Seen = [];
  const ritm = new Hook(null, { internals: true }, (exports, name, basedir) => {
    if (matchesRegistered(name, basedir)) ritmSeen.push([name, relative(withRitm, basedir)]);
    return exports;
  });
  try {
    createRequire(join(withRitm, 'app.js'))('./app.js');
  } finally {
    ritm.unhook();
  }

  const oursSeen: Seen = [];
  const hook = new RequireInTheMiddleSingleton();
  for (const name of REGISTERED)
    hook.register(name, (exports, seen, basedir) => {
      oursSeen.push([seen, relative(withOurs, basedir)]);
      return exports;
    });
  try {
    createRequire(join(withOurs, 'app.js'))('./app.js');
  } finally {
    hook.uninstall();
  }

  assert.ok(ritmSeen.length >= 8, `the fixture exercises the hook (${JSON.stringify(ritmSeen)})`);
  assert.deepEqual(oursSeen, ritmSeen);
  // Spelled out, the contract the instrumentations rely on:
  assert.deepEqual(oursSeen.slice(0, 2), [
    ['alpha/lib/inner.js', '/node_modules/alpha'],
    ['alpha', '/node_modules/alpha'],
  ]);
  assert.ok(oursSeen.some(([n, b]) => n === 'alpha' && b === '/node_modules/@scope/beta/node_modules/alpha'));
  assert.ok(oursSeen.some(([n]) => n === '@scope/beta/extra.js'));
  assert.ok(
    oursSeen.some(([n]) => n === 'epsilon'),
    'a path into node_modules is seen as its package',
  );
  assert.ok(
    oursSeen.some(([n, b]) => n === 'http' && b === undefined),
    'node:http is seen as http',
  );
  assert.ok(!oursSeen.some(([n]) => n === 'gamma' || n === 'fs/promises'), 'unregistered names are not');
});

test("what a hook returns is what every later require gets; a module's cycle gets its partial exports", () => {
  const root = packageTree();
  const hook = new RequireInTheMiddleSingleton();
  const wrapped = new Map<string, object>();
  hook.register('alpha', (exports, name) => {
    if (name !== 'alpha') return exports;
    const wrapper = { wrapped: exports };
    wrapped.set(name, wrapper);
    return wrapper;
  });
  let deltaCalls = 0;
  hook.register('delta', (exports, name) => {
    if (name === 'delta') deltaCalls++;
    return exports;
  });
  try {
    const req = createRequire(join(root, 'app.js'));
    const first = req('alpha');
    assert.equal(first, wrapped.get('alpha'));
    assert.equal(req('alpha'), first, 'the same patched exports the second time');
    assert.equal(
      createRequire(join(root, 'node_modules', 'gamma', 'index.js'))('alpha'),
      first,
      'from another module too',
    );
    const delta = req('delta') as { back: { early?: boolean; done?: boolean }; done: boolean };
    assert.equal(delta.done, true);
    assert.equal(delta.back.early, true, 'the cycle got the partial exports');
    assert.equal(deltaCalls, 1, "the main file's hook ran once, after it loaded, not inside the cycle");
  } finally {
    hook.uninstall();
  }
});

test('built-ins: node: prefixes, exact names only, process.getBuiltinModule, and listeners before the check', () => {
  const hook = new RequireInTheMiddleSingleton();
  const seen: string[] = [];
  const requests: string[] = [];
  // A listener may register the hook for the very request it is told about (the instrumentation set does).
  hook.onBeforeLoad((request) => {
    requests.push(request);
    if (request === 'node:zlib' && !seen.includes('registered zlib')) {
      seen.push('registered zlib');
      hook.register('zlib', (exports, name) => {
        seen.push(name);
        return exports;
      });
    }
  });
  hook.register('fs', (exports, name) => {
    seen.push(name);
    return exports;
  });
  try {
    const req = createRequire(import.meta.url);
    req('fs/promises');
    req('node:fs');
    req('node:zlib');
    const getBuiltin = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
    if (getBuiltin) {
      assert.equal(getBuiltin('fs'), req('fs'), 'process.getBuiltinModule gets the same (patched) exports');
    }
    assert.deepEqual(seen, ['fs', 'registered zlib', 'zlib']);
    assert.ok(requests.includes('fs/promises') && requests.includes('node:zlib'));
  } finally {
    hook.uninstall();
  }
});

test('moduleDetailsFromPath finds the package of a file as module-details-from-path does', () => {
  assert.deepEqual(moduleDetailsFromPath('/app/node_modules/pg/lib/client.js'), {
    name: 'pg',
    basedir: '/app/node_modules/pg',
  });
  assert.deepEqual(moduleDetailsFromPath('/app/node_modules/@grpc/grpc-js/build/src/index.js'), {
    name: '@grpc/grpc-js',
    basedir: '/app/node_modules/@grpc/grpc-js',
  });
  assert.deepEqual(moduleDetailsFromPath('/app/node_modules/a/node_modules/b/index.js'), {
    name: 'b',
    basedir: '/app/node_modules/a/node_modules/b',
  });
  assert.equal(moduleDetailsFromPath('/app/src/index.js'), undefined);
});

test('package versions are read once per package folder, and remembering twice wraps once', () => {
  const reads: string[] = [];
  class Base {
    _extractPackageVersion(baseDir: string): string | undefined {
      reads.push(baseDir);
      return baseDir === '/none' ? undefined : `1.0.${reads.length}`;
    }
  }
  rememberPackageVersions(Base.prototype);
  const wrapped = Object.getOwnPropertyDescriptor(Base.prototype, '_extractPackageVersion')?.value as unknown;
  rememberPackageVersions(Base.prototype);
  assert.equal(
    Object.getOwnPropertyDescriptor(Base.prototype, '_extractPackageVersion')?.value,
    wrapped,
    'not wrapped twice',
  );
  const b = new Base();
  assert.equal(b._extractPackageVersion('/a'), '1.0.1');
  assert.equal(b._extractPackageVersion('/a'), '1.0.1');
  assert.equal(b._extractPackageVersion('/b'), '1.0.2');
  assert.equal(b._extractPackageVersion('/none'), undefined);
  assert.equal(b._extractPackageVersion('/none'), undefined);
  assert.deepEqual(reads, ['/a', '/b', '/none']);
});
