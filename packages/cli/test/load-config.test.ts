import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../src/index.ts';

const file = (text: string) => {
  const path = join(mkdtempSync(join(tmpdir(), 'spyglass-config-')), 'spyglass.yaml');
  writeFileSync(path, text);
  return path;
};

test('defaults, then the YAML file, then flags; the result is frozen', () => {
  const config = loadConfig(
    file('httpPort: 9000\nretention:\n  traces: 7\ningest:\n  flushIntervalMs: 50\n'),
    { httpPort: 9100 },
  );
  assert.equal(config.httpPort, 9100, 'flags win over the file');
  assert.equal(config.retention.traces, 7);
  assert.equal(config.retention.logs, 30, 'unset nested keys keep their defaults');
  assert.equal(config.ingest.flushIntervalMs, 50);
  assert.equal(config.ingest.maxBodyBytes, 16 * 1024 * 1024);
  assert.equal(config.host, '127.0.0.1');
  assert.equal(config.otlpGrpcPort, 4317);
  assert.ok(Object.isFrozen(config) && Object.isFrozen(config.ingest));
});

test('every problem is reported at once, with its key path', () => {
  const path = file(
    'httpPort: 70000\ningest:\n  flushIntervalMs: soon\n  typo: 1\nretention:\n  logs: -1\nunknownKey: true\n',
  );
  assert.throws(
    () => loadConfig(path, { clickhouseUrl: 'not a url' }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      const text = err.problems.join('\n');
      for (const key of [
        'httpPort',
        'ingest.flushIntervalMs',
        'ingest',
        'retention.logs',
        'clickhouseUrl',
        '(root)',
      ]) {
        assert.ok(
          err.problems.some((p) => p.startsWith(`${key}:`)),
          `a problem for ${key} in:\n${text}`,
        );
      }
      assert.match(text, /typo/);
      assert.match(text, /unknownKey/);
      return true;
    },
  );
});

test('a missing file, invalid YAML or a non-mapping document is a clear ConfigError', () => {
  assert.throws(
    () => loadConfig('/nonexistent/spyglass.yaml', {}),
    /config file \/nonexistent\/spyglass.yaml/,
  );
  assert.throws(() => loadConfig(file('httpPort: [1,\n'), {}), /invalid YAML/);
  assert.throws(() => loadConfig(file('- just\n- a list\n'), {}), /expected a mapping/);
});

test('API keys must be long enough to be secrets', () => {
  assert.throws(
    () => loadConfig(undefined, { apiKeys: ['short'] }),
    /apiKeys\.0: API keys must be at least 8 characters/,
  );
});
