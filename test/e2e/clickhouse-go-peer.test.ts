import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestSpyglass, waitForRows } from '../support/start-test-spyglass.ts';
import { requirePeer } from '../support/require-peer.ts';

/**
 * clickhouse-go v2 over HTTP (what Grafana's ClickHouse data source uses)
 * against the ClickHouse HTTP interface of the embedded store: a real peer,
 * built from test/peers/clickhouse-go with the machine's Go toolchain.
 */
const go = requirePeer('go', () => spawnSync('go', ['version']).status === 0);
const PEER_DIR = join(import.meta.dirname, '../peers/clickhouse-go');

let spy: Awaited<ReturnType<typeof startTestSpyglass>>;
let peer: string;
before(async () => {
  if (!go.available) return;
  peer = join(mkdtempSync(join(tmpdir(), 'spyglass-go-peer-')), 'clickhouse-go-peer');
  execFileSync('go', ['build', '-o', peer, '.'], {
    cwd: PEER_DIR,
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: 300_000,
  });
  spy = await startTestSpyglass();
});
after(async () => {
  await spy?.shutdown();
});

test(
  'clickhouse-go (Grafana data source client, HTTP protocol) reads spans through port 8123',
  { skip: go.skip },
  async () => {
    const now = BigInt(Date.now()) * 1_000_000n;
    const body = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'go-peer' } }] },
          scopeSpans: [
            {
              spans: [
                {
                  traceId: '5b8efff798038103d269b633813fc60c',
                  spanId: 'eee19b7ec3c1b174',
                  name: 'GET /checkout',
                  kind: 2,
                  startTimeUnixNano: String(now),
                  endTimeUnixNano: String(now + 1_500_000n),
                  attributes: [{ key: 'http.route', value: { stringValue: '/checkout' } }],
                  events: [{ name: 'cache.miss', timeUnixNano: String(now + 10n) }],
                },
              ],
            },
          ],
        },
      ],
    };
    const r = await fetch(`http://127.0.0.1:${spy.ports.otlpHttp}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.equal(r.status, 200);
    await waitForRows(
      spy,
      "SELECT 1 FROM otel_traces WHERE ServiceName = 'go-peer'",
      (rows) => rows.length === 1,
    );

    // Asynchronously: the server under test runs in this process's event loop.
    const { stdout: output } = await promisify(execFile)(peer, [`127.0.0.1:${spy.ports.clickhouse}`], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    const checks = output
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const by = (name: string) => checks.filter((c) => c['check'] === name);
    assert.match(String(by('version')[0]?.['value']), /^\d+\.\d+/);
    assert.deepEqual(by('span'), [
      {
        check: 'span',
        service: 'go-peer',
        name: 'GET /checkout',
        duration: 1_500_000,
        timestamp: new Date(Number(now / 1_000_000n))
          .toISOString()
          .replace(/\.(\d{3})Z$/, (_, ms: string) => (ms === '000' ? 'Z' : `.${ms.replace(/0+$/, '')}Z`)),
        attributes: { 'http.route': '/checkout' },
        events: ['cache.miss'],
      },
    ]);
    assert.deepEqual(by('series'), [{ check: 'series', total: 1 }]);
    assert.deepEqual(by('empty'), [{ check: 'empty', rows: 0 }]);
    assert.match(String(by('write')[0]?.['error']), /code: 164.*READONLY/);
  },
);
