import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort } from '../support/spyglass-process.ts';
import { fixture, runApp, uniqueService } from '../support/agent-harness.ts';

// What the agent loads at an application's start. import-in-the-middle (the ES-module import
// hooks) is loaded for ES-module applications only: a CommonJS one never pays for it
// (telemetry/import-hook-switch.ts), and its instrumentations still patch what it requires.

type Loaded = { agent: boolean; httpPatched: boolean; importInTheMiddle: boolean };

async function loadedModules(script: string): Promise<Loaded> {
  const result = await runApp([process.execPath, fixture(script)], {
    service: uniqueService('agent-startup'),
    endpoint: `http://127.0.0.1:${await freePort()}`,
  });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, '', 'the agent prints nothing on stderr');
  return JSON.parse(result.stdout.trim()) as Loaded;
}

test('a CommonJS application: node:http is patched and import-in-the-middle is never loaded', async () => {
  assert.deepEqual(await loadedModules('loaded-modules.cjs'), {
    agent: true,
    httpPatched: true,
    importInTheMiddle: false,
  });
});

test('an ES-module application: import-in-the-middle is loaded for its import hooks', async () => {
  assert.deepEqual(await loadedModules('loaded-modules.mjs'), {
    agent: true,
    httpPatched: true,
    importInTheMiddle: true,
  });
});
