import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import {
  describeSpans,
  useBackend,
  startServerFixture,
  uniqueService,
  waitForSpans,
} from '../support/agent-harness.ts';

// An HTTPS server the application builds with node:https alone: the agent's server span (scheme,
// remote parent, headers with secrets redacted, both bodies) comes through the https hook, which
// patches node:http's message classes that node:https shares.

const backend = useBackend();

function post(port: number, path: string, body: string, headers: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        rejectUnauthorized: false, // the fixture's certificate is self-signed
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          ...headers,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve(text));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

test('https server: the server span continues the caller trace, with scheme, headers (secrets redacted) and both bodies', async () => {
  const service = uniqueService('agent-https');
  const app = await startServerFixture('https-server.cjs', { service, endpoint: backend().otlpUrl });
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const parentId = '00f067aa0ba902b7';
  const answer = await post(app.port, '/echo?x=1', '{"order":42}', {
    traceparent: `00-${traceId}-${parentId}-01`,
    authorization: 'Bearer secret-token',
    'x-request-id': 'req-7',
  });
  assert.deepEqual(JSON.parse(answer), { echo: { order: 42 } });
  await post(app.port, '/shutdown', '', {});
  const result = await app.finished();
  assert.equal(result.code, 0, result.stderr);

  const spans = await waitForSpans(backend(), service, (rows) =>
    rows.some((r) => r.SpanAttributes['url.path'] === '/echo'),
  );
  const span = spans.find((s) => s.SpanAttributes['url.path'] === '/echo');
  assert.ok(span, describeSpans(spans));
  assert.equal(span.SpanKind, 'Server');
  assert.equal(span.ScopeName, 'spyglass-http-server');
  assert.equal(span.TraceId, traceId, 'the caller trace goes on');
  assert.equal(span.ParentSpanId, parentId);
  const a = span.SpanAttributes;
  assert.equal(a['url.scheme'], 'https');
  assert.equal(a['url.query'], 'x=1');
  assert.equal(a['http.request.method'], 'POST');
  assert.equal(a['server.port'], String(app.port));
  assert.equal(a['http.response.status_code'], '200');
  assert.equal(a['http.request.header.x-request-id'], 'req-7');
  assert.equal(a['http.request.header.authorization'], '[REDACTED]');
  assert.equal(a['http.response.header.x-answered-by'], 'https-fixture');
  assert.equal(a['http.request.payload'], '{"order":42}');
  assert.equal(a['http.response.payload'], '{"echo":{"order":42}}');
  assert.equal(a['http.response.payload.size'], '21');
});
