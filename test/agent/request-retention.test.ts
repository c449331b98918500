import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runFixture } from '../support/agent-harness.ts';
import { nodeRuntimes } from '../support/node-runtimes.ts';

// A request must not outlive its response because of the agent. Whatever the application schedules
// in a request's context (a timer, a promise) holds that context for as long as it lives, and so
// does node:http's keep-alive timer of the connection, armed as the response finishes, until the
// connection's next request. The agent's context held the request and the response; under load that
// kept one request per open connection alive, copied at every scavenge, and what survives scavenges
// grows V8's young generation (bench/agent/RESULTS.md, twenty-third session). Checked with the
// garbage collector itself (retention-app.cjs: weak references to each request and response, 20
// requests whose handlers each leave a 60 s timer behind, then gc()), on every Node.js version the
// agent supports: async context is built differently on each (async hooks, AsyncContextFrame).

for (const runtime of nodeRuntimes()) {
  test(
    `Node.js ${runtime.version}: requests are collected once answered, as without the agent`,
    { skip: runtime.skip },
    async () => {
      const alive = async (withoutAgent: boolean) => {
        const result = await runFixture('retention-app.cjs', { node: runtime.node, withoutAgent });
        const line = result.stdout.split('\n').find((l) => l.startsWith('{'));
        assert.ok(line, `the fixture reports\n${result.stdout}\n${result.stderr}`);
        return JSON.parse(line) as { requests: number; alive: number };
      };
      const bare = await alive(true);
      assert.equal(bare.alive, 0, 'the fixture itself keeps no request alive');
      const agent = await alive(false);
      assert.equal(agent.alive, 0, `${agent.alive} of ${agent.requests} answered requests still alive`);
    },
  );
}
