import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { memoizeResolution } from '../src/telemetry/resolve-memo.ts';

type ModuleWithResolve = typeof Module & {
  _resolveFilename: (request: string, parent: unknown, isMain?: boolean, options?: unknown) => string;
};
const mod = Module as ModuleWithResolve;

/**
 * The resolution memo answers like Node.js (same file for the same
 * directory and request, a different one from another directory), never
 * remembers a failure, and is removed by its restore function.
 */
test('resolutions are remembered per directory and request, failures are not, and restore removes the memo', () => {
  const root = mkdtempSync(join(tmpdir(), 'spyglass-resolve-'));
  for (const dir of ['a', 'b']) {
    mkdirSync(join(root, dir, 'node_modules', 'lib'), { recursive: true });
    writeFileSync(join(root, dir, 'node_modules', 'lib', 'index.js'), `module.exports = '${dir}';`);
    writeFileSync(join(root, dir, 'main.js'), '');
  }
  const parentA = new Module(join(root, 'a', 'main.js'));
  parentA.filename = join(root, 'a', 'main.js');
  parentA.paths = [join(root, 'a', 'node_modules')];
  const parentB = new Module(join(root, 'b', 'main.js'));
  parentB.filename = join(root, 'b', 'main.js');
  parentB.paths = [join(root, 'b', 'node_modules')];

  const original = mod._resolveFilename;
  const restore = memoizeResolution();
  try {
    assert.notEqual(mod._resolveFilename, original);
    const fromA = mod._resolveFilename('lib', parentA);
    assert.equal(fromA, join(root, 'a', 'node_modules', 'lib', 'index.js'));
    assert.equal(mod._resolveFilename('lib', parentA), fromA, 'the same answer the second time');
    assert.equal(mod._resolveFilename('lib', parentB), join(root, 'b', 'node_modules', 'lib', 'index.js'));

    // A module that does not exist yet: the failure is not remembered.
    assert.throws(() => mod._resolveFilename('./later', parentA), { code: 'MODULE_NOT_FOUND' });
    writeFileSync(join(root, 'a', 'later.js'), 'module.exports = 1;');
    assert.equal(mod._resolveFilename('./later', parentA), join(root, 'a', 'later.js'));

    // require() through the memo loads what it always did.
    assert.equal(createRequire(join(root, 'b', 'main.js'))('lib'), 'b');
  } finally {
    restore();
  }
  assert.equal(mod._resolveFilename, original);
});
