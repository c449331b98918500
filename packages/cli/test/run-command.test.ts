import assert from 'node:assert/strict';
import { test } from 'node:test';
import { REGISTER_CJS } from '@spyglass/agent';
import { agentEnvironment, runInstrumented } from '../src/commands/run.ts';

test('spyglass run puts the agent first in NODE_OPTIONS and keeps the user own options', () => {
  const env = agentEnvironment(
    { NODE_OPTIONS: '--max-old-space-size=200', PATH: '/bin' },
    { serviceName: 'svc' },
  );
  // The CommonJS preload on every Node.js version: it registers the ES-module hook itself when the
  // main script is an ES module, and keeps CommonJS applications off the ES-module loader.
  assert.equal(env['NODE_OPTIONS'], `--require ${REGISTER_CJS} --max-old-space-size=200`);
  assert.equal(env['SPYGLASS_SERVICE_NAME'], 'svc');
  assert.equal(env['PATH'], '/bin');
  assert.equal(agentEnvironment({}, {})['NODE_OPTIONS'], `--require ${REGISTER_CJS}`);
});

test('bad invocations are refused with a clear message and exit code 2', async () => {
  const messages: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string) => (
    messages.push(String(chunk)),
    true
  )) as typeof process.stderr.write;
  try {
    assert.equal(await runInstrumented([]), 2);
    assert.equal(await runInstrumented(['--endpoint', 'ftp://x', '--', 'node']), 2);
    assert.equal(await runInstrumented(['--config', '/no/such/file.json', '--', 'node']), 2);
    assert.equal(await runInstrumented(['--bogus', '--', 'node']), 2);
  } finally {
    process.stderr.write = write;
  }
  const text = messages.join('');
  assert.match(text, /needs a command after --/);
  assert.match(text, /--endpoint must be an http\(s\) URL/);
  assert.match(text, /--config: no such file/);
  assert.match(text, /Unknown option '--bogus'/);
});

test('the command exit code is passed through; a missing command is 127', async () => {
  assert.equal(await runInstrumented(['--', process.execPath, '-e', 'process.exit(3)']), 3);
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    assert.equal(await runInstrumented(['--', '/no/such/binary']), 127);
  } finally {
    process.stderr.write = write;
  }
});
