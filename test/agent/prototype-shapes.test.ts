import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort } from '../support/spyglass-process.ts';
import { fixture, runApp, uniqueService, type RunResult } from '../support/agent-harness.ts';

// A library that subclasses String (ioredis) leaves String.prototype in V8's dictionary mode,
// which makes every string method call in optimized code look the method up (see
// packages/agent/src/fast-prototypes.ts). The agent keeps the primitives' prototypes fast.

const APP = [process.execPath, '--allow-natives-syntax', fixture('prototype-shapes-app.cjs')];

type Shapes = { fast: Record<string, boolean> };
function shapesOf(r: RunResult): Shapes {
  assert.equal(r.code, 0, r.stderr);
  const line = r.stdout.split('\n').find((l) => l.startsWith('SHAPES '));
  assert.ok(line, r.stdout);
  return JSON.parse(line.slice('SHAPES '.length)) as Shapes;
}

test('the primitives’ prototypes stay fast under the agent when a library subclasses String and Number', async (t) => {
  const endpoint = `http://127.0.0.1:${await freePort()}`; // nothing listens: no export needed
  const [withAgent, without] = await Promise.all([
    runApp(APP, { service: uniqueService('agent-shapes'), endpoint }),
    runApp(APP, { withoutAgent: true }),
  ]);
  const agent = shapesOf(withAgent);
  const plain = shapesOf(without);
  assert.deepEqual(agent.fast, { String: true, Number: true, Boolean: true, Symbol: true, BigInt: true });
  // What the agent repairs: without it, this Node.js leaves String.prototype a dictionary. If a
  // later V8 stops doing that, fast-prototypes.ts can go. (What it is worth per request is
  // measured by bench:agent-instructions, bench/agent/RESULTS.md, not here.)
  t.diagnostic(`without the agent: ${JSON.stringify(plain.fast)}`);
  if (process.version.startsWith('v20.')) assert.equal(plain.fast['String'], false);
});
