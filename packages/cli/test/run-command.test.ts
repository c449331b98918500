import assert from 'node:assert/strict';
import { test } from 'node:test';
import { REGISTER_CJS, REGISTER_MJS } from '@spyglass/agent';
import { agentEnvironment, runInstrumented, supportsModuleRegister } from '../src/commands/run.ts';

test('spyglass run puts the agent first in NODE_OPTIONS and keeps the user own options', () => {
  const env = agentEnvironment(
    { NODE_OPTIONS: '--max-old-space-size=200', PATH: '/bin' },
    { serviceName: 'svc' },
    '20.20.2',
  );
  assert.equal(env['NODE_OPTIONS'], `--import ${REGISTER_MJS} --max-old-space-size=200`);
  assert.equal(env['SPYGLASS_SERVICE_NAME'], 'svc');
  assert.equal(env['PATH'], '/bin');
  assert.equal(agentEnvironment({}, {}, '20.20.2')['NODE_OPTIONS'], `--import ${REGISTER_MJS}`);
});

test('Node.js without module.register gets the CommonJS preload', () => {
  assert.equal(supportsModuleRegister('20.5.1'), false);
  assert.equal(supportsModuleRegister('18.18.0'), false);
  assert.equal(supportsModuleRegister('18.19.0'), true);
  assert.equal(supportsModuleRegister('22.1.0'), true);
  assert.equal(agentEnvironment({}, {}, '18.17.0')['NODE_OPTIONS'], `--require ${REGISTER_CJS}`);
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
