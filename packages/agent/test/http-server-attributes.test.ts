import assert from 'node:assert/strict';
import { test } from 'node:test';
import { once } from 'node:events';
import { Agent, createServer, get, type IncomingMessage } from 'node:http';
import { requestAttributes } from '../src/telemetry/http-server-attributes.ts';

function request(url: string, headers: Record<string, string>, method = 'GET'): IncomingMessage {
  return {
    method,
    url,
    headers,
    httpVersion: '1.1',
    socket: { remoteAddress: '127.0.0.1', remotePort: 51000 },
  } as unknown as IncomingMessage;
}

test('server span attributes: the stable HTTP conventions, without URL parsing for an ordinary target', () => {
  assert.deepEqual(
    requestAttributes(request('/orders?id=7', { host: 'shop.local:8080', 'user-agent': 'curl/8' }), 'http'),
    {
      'http.request.method': 'GET',
      'url.scheme': 'http',
      'url.path': '/orders',
      'url.query': 'id=7',
      'server.address': 'shop.local',
      'server.port': 8080,
      'network.peer.address': '127.0.0.1',
      'network.peer.port': 51000,
      'client.address': '127.0.0.1',
      'network.protocol.version': '1.1',
      'user_agent.original': 'curl/8',
    },
  );
  // Default ports, unknown methods, proxies' headers, signatures in the query.
  const proxied = requestAttributes(
    request(
      '/f?X-Goog-Signature=abc&a=1',
      { host: 'internal', 'x-forwarded-host': 'example.com', 'x-forwarded-for': '10.0.0.9:4000, 10.0.0.1' },
      'PURGE',
    ),
    'https',
  );
  assert.equal(proxied['http.request.method'], '_OTHER');
  assert.equal(proxied['http.request.method_original'], 'PURGE');
  assert.equal(proxied['server.address'], 'example.com');
  assert.equal(proxied['server.port'], undefined, 'no X-Forwarded-Proto: port unknown');
  assert.equal(proxied['client.address'], '10.0.0.9');
  assert.equal(proxied['url.query'], 'X-Goog-Signature=REDACTED&a=1');
  const plain = requestAttributes(request('/', { host: 'example.com' }), 'https');
  assert.equal(plain['server.port'], 443);
  assert.equal(plain['url.query'], undefined);
  const forwarded = requestAttributes(
    request('http://example.com/abs?q', { forwarded: 'for="[2001:db8::1]:9";host=api.example;proto=https' }),
    'http',
  );
  assert.equal(forwarded['url.path'], '/abs');
  assert.equal(forwarded['url.query'], 'q');
  assert.equal(forwarded['server.address'], 'api.example');
  assert.equal(forwarded['server.port'], 443);
  assert.equal(forwarded['client.address'], '2001:db8::1');
  const ipv6 = requestAttributes(request('/', { host: '[::1]:3000' }), 'http');
  assert.equal(ipv6['server.address'], '[::1]');
  assert.equal(ipv6['server.port'], 3000);
  // Hosts without a port: a bracketed v6 address, a bare one (its colons are not a port's).
  const bracketed = requestAttributes(request('/', { host: '[2001:db8::7]' }), 'http');
  assert.equal(bracketed['server.address'], '[2001:db8::7]');
  assert.equal(bracketed['server.port'], 80);
  const bare = requestAttributes(request('/', { host: '2001:db8::7' }), 'https');
  assert.equal(bare['server.address'], '2001:db8::7');
  assert.equal(bare['server.port'], 443);
  const named = requestAttributes(request('/', { host: 'shop.local:' }), 'http');
  assert.equal(named['server.address'], 'shop.local');
  assert.equal(named['server.port'], undefined, 'an empty port is no port');
});

test('server span attributes: the peer of a real connection, on its first request and on the next one it carries', async () => {
  const seen: Array<{ address: unknown; port: unknown }> = [];
  const server = createServer((req, res) => {
    const attributes = requestAttributes(req, 'http');
    seen.push({ address: attributes['network.peer.address'], port: attributes['network.peer.port'] });
    res.end('ok');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const ports: number[] = [];
  try {
    for (let i = 0; i < 2; i++)
      await new Promise<void>((resolve, reject) => {
        get({ host: '127.0.0.1', port: (server.address() as { port: number }).port, agent }, (res) => {
          ports.push(res.socket.localPort!);
          res.resume();
          res.on('end', resolve);
        }).on('error', reject);
      });
  } finally {
    agent.destroy();
    server.close();
  }
  assert.equal(ports[0], ports[1], 'both requests on one connection');
  assert.deepEqual(seen, [
    { address: '127.0.0.1', port: ports[0] },
    { address: '127.0.0.1', port: ports[0] },
  ]);
});

test('server span request attributes copied for an equal request line: the bytes of a fresh encoding, whatever the peer', async () => {
  const { ProtobufSink } = await import('../src/telemetry/attribute-encoding.ts');
  const { ProtobufWriter } = await import('../src/telemetry/protobuf-writer.ts');
  const { requestFacts, writeServerRequest } = await import('../src/telemetry/http-server-attributes.ts');
  // Fresh strings each time, as node:http's parser makes them.
  const s = (text: string) => [...text].join('');
  const make = (target: string, headers: Record<string, string>, port: number, method = 'GET') => {
    const req = request(
      s(target),
      Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, s(v)])),
      method,
    );
    (req.socket as unknown as { remotePort: number }).remotePort = port;
    return requestFacts(req, req.headers, 'http');
  };
  const cases: Array<[string, () => ReturnType<typeof make>]> = [
    ['a request', () => make('/orders?id=7', { host: 'shop:8080', 'user-agent': 'curl/8' }, 51000)],
    ['another peer port', () => make('/orders?id=7', { host: 'shop:8080', 'user-agent': 'curl/8' }, 51001)],
    ['another target', () => make('/orders?id=8', { host: 'shop:8080', 'user-agent': 'curl/8' }, 51000)],
    ['another host', () => make('/orders?id=7', { host: 'shop:8081', 'user-agent': 'curl/8' }, 51000)],
    ['no user agent', () => make('/orders?id=7', { host: 'shop:8080' }, 51000)],
    [
      'another method',
      () => make('/orders?id=7', { host: 'shop:8080', 'user-agent': 'curl/8' }, 51000, 'PURGE'),
    ],
    [
      'behind a proxy',
      () => make('/o', { host: 'in', 'x-forwarded-host': 'ex.com', 'x-forwarded-for': '10.0.0.9' }, 1),
    ],
  ];
  const w = new ProtobufWriter(16);
  // `{}` as the span's own attributes shadows nothing but turns the copying off: a fresh encoding.
  const write = (facts: ReturnType<typeof make>, fresh: boolean) => {
    w.reset();
    w.small(new Uint8Array(3).fill(0xee));
    writeServerRequest(facts, new ProtobufSink(w, 9, 128, fresh ? {} : undefined));
    return Buffer.from(w.finish()).toString('hex');
  };
  const expected = cases.map(([, facts]) => write(facts(), true));
  assert.equal(new Set(expected).size, cases.length, 'every case encodes differently');
  for (let round = 0; round < 3; round++)
    for (const [i, [name, facts]] of cases.entries())
      assert.equal(write(facts(), false), expected[i], `${name}, round ${round}`);
});
