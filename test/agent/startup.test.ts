import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { REGISTER_CJS, ensureAgentBuilt } from '@spyglass/agent';
import { MAX_CACHES } from '../../packages/agent/src/load-bundle.ts';
import { freePort } from '../support/spyglass-process.ts';
import { fixture, runApp, uniqueService } from '../support/agent-harness.ts';

// What the agent loads at an application's start. import-in-the-middle (the ES-module import
// hooks) is loaded for ES-module applications only: a CommonJS one never pays for it
// (telemetry/import-hook-switch.ts), and its instrumentations still patch what it requires.
// node:crypto (and the streams it loads, ~6 ms) waits for the first span's ids, node:perf_hooks
// (~0.6 ms) for its first time.

type Loaded = {
  agent: boolean;
  httpPatched: boolean;
  importInTheMiddle: boolean;
  crypto: boolean;
  perfHooks: boolean;
};

async function loadedModules(script: string): Promise<Loaded> {
  const result = await runApp([process.execPath, fixture(script)], {
    service: uniqueService('agent-startup'),
    endpoint: `http://127.0.0.1:${await freePort()}`,
  });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, '', 'the agent prints nothing on stderr');
  return JSON.parse(result.stdout.trim()) as Loaded;
}

test('a CommonJS application: node:http is patched; import-in-the-middle, node:crypto and node:perf_hooks are not loaded', async () => {
  assert.deepEqual(await loadedModules('loaded-modules.cjs'), {
    agent: true,
    httpPatched: true,
    importInTheMiddle: false,
    crypto: false,
    perfHooks: false,
  });
});

test('an ES-module application: import-in-the-middle is loaded for its import hooks, node:crypto and node:perf_hooks are not', async () => {
  assert.deepEqual(await loadedModules('loaded-modules.mjs'), {
    agent: true,
    httpPatched: true,
    importInTheMiddle: true,
    crypto: false,
    perfHooks: false,
  });
});

test('each application keeps its own code cache; a new one starts from the shared cache and writes its own', async () => {
  await ensureAgentBuilt();
  // A copy of the bundle without caches, so that the test sees only what its runs write.
  const dir = mkdtempSync(join(tmpdir(), 'spyglass-cache-'));
  try {
    for (const name of ['agent.cjs', 'agent-config.cjs', 'register.cjs'])
      cpSync(join(dirname(REGISTER_CJS), name), join(dir, name));
    const caches = () =>
      readdirSync(dir)
        .filter((n) => n.endsWith('.v8cache'))
        .sort();
    const run = (script: string) => {
      const path = join(dir, script);
      writeFileSync(path, "require('node:http'); console.log('ok');\n");
      const result = spawnSync(process.execPath, ['--require', join(dir, 'register.cjs'), path], {
        env: { ...process.env, SPYGLASS_SERVICE_NAME: 'cache-test', SPYGLASS_ENDPOINT: 'http://127.0.0.1:9' },
        encoding: 'utf8',
      });
      assert.equal(result.status, 0, result.stderr);
      assert.equal(result.stdout.trim(), 'ok');
    };
    const shared = `agent.cjs.${process.version}.v8cache`;
    run('a.cjs');
    const afterA = caches();
    assert.equal(afterA.length, 2, `the shared cache and a's own: ${afterA.join(', ')}`);
    assert.ok(afterA.includes(shared));
    const sharedWritten = statSync(join(dir, shared)).mtimeMs;
    run('b.cjs');
    const afterB = caches();
    assert.equal(afterB.length, 3, `b writes its own: ${afterB.join(', ')}`);
    assert.equal(
      statSync(join(dir, shared)).mtimeMs,
      sharedWritten,
      'the shared cache (accepted) is left as it was',
    );
    run('a.cjs');
    assert.deepEqual(caches(), afterB, "a's second start uses its own, and writes nothing");
    // At the bound, a new application runs from the shared cache and writes none of its own.
    for (let i = caches().length; i < MAX_CACHES; i++)
      writeFileSync(join(dir, `agent.cjs.x${i}.v8cache`), '');
    run('c.cjs');
    assert.equal(caches().length, MAX_CACHES);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
