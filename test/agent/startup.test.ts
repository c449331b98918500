import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort } from '../support/spyglass-process.ts';
import { fixture, runApp, uniqueService } from '../support/agent-harness.ts';

// What the agent loads at an application's start. import-in-the-middle (the ES-module import
// hooks) is loaded for ES-module applications only: a CommonJS one never pays for it
// (telemetry/import-hook-switch.ts), and its instrumentations still patch what it requires.
// node:crypto (and the streams it loads, ~6 ms) waits for the first span's ids.

type Loaded = { agent: boolean; httpPatched: boolean; importInTheMiddle: boolean; crypto: boolean };

async function loadedModules(script: string): Promise<Loaded> {
  const result = await runApp([process.execPath, fixture(script)], {
    service: uniqueService('agent-startup'),
    endpoint: `http://127.0.0.1:${await freePort()}`,
  });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, '', 'the agent prints nothing on stderr');
  return JSON.parse(result.stdout.trim()) as Loaded;
}

test('a CommonJS application: node:http is patched; import-in-the-middle and node:crypto are not loaded', async () => {
  assert.deepEqual(await loadedModules('loaded-modules.cjs'), {
    agent: true,
    httpPatched: true,
    importInTheMiddle: false,
    crypto: false,
  });
});

test('an ES-module application: import-in-the-middle is loaded for its import hooks, node:crypto is not', async () => {
  assert.deepEqual(await loadedModules('loaded-modules.mjs'), {
    agent: true,
    httpPatched: true,
    importInTheMiddle: true,
    crypto: false,
  });
});
