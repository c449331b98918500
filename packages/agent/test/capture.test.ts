import assert from 'node:assert/strict';
import { createServer, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import type { Attributes } from '@opentelemetry/api';
import { parseAgentConfig, AgentConfigError } from '../src/config/agent-config.ts';
import {
  SentHeaders,
  blockHeader,
  headerAttributes,
  sentHeaders,
  REDACTED,
} from '../src/capture/header-capture.ts';
import { PayloadCollector, capturableContentType } from '../src/capture/payload-capture.ts';
import { sanitizeSql } from '../src/capture/sql-sanitizer.ts';
import { loadInitialConfig } from '../src/config/load-initial-config.ts';

test('SQL literals become ?, identifiers, placeholders and keywords stay', () => {
  const cases: Array<[string, string]> = [
    [
      "SELECT * FROM users WHERE email = 'a@b.c' AND id = 42",
      'SELECT * FROM users WHERE email = ? AND id = ?',
    ],
    ['SELECT $1::int + 1 AS next', 'SELECT $1::int + 1 AS next'.replace('+ 1', '+ ?')],
    ["INSERT INTO t1 (c2) VALUES ('it''s', -3.5e10, 0xFF)", 'INSERT INTO t1 (c2) VALUES (?, -?, ?)'],
    ['SELECT "col 1", `c2` FROM t WHERE x IN (1, 2)', 'SELECT "col 1", `c2` FROM t WHERE x IN (?, ?)'],
    ["SELECT $tag$secret$tag$, $$x$$ -- comment 'x'\nFROM t /* 5 */", 'SELECT ?, ? \nFROM t '],
    ["SELECT 'unterminated", 'SELECT ?'],
    ['UPDATE t SET v = ? WHERE id = :id', 'UPDATE t SET v = ? WHERE id = :id'],
  ];
  for (const [input, expected] of cases) assert.equal(sanitizeSql(input), expected, input);
});

test('SQL of MySQL and MariaDB: "..." is a string literal, # a comment, backslashes escape', () => {
  const cases: Array<[string, string]> = [
    [
      "SELECT `email` FROM t WHERE email = \"a@b.c\" AND nick = 'o\\'brien' # id = 7\nLIMIT 1",
      'SELECT `email` FROM t WHERE email = ? AND nick = ? \nLIMIT ?',
    ],
    ['SELECT "say \\"hi\\"", "it""s" FROM t', 'SELECT ?, ? FROM t'],
    ["INSERT INTO t (c) VALUES ('x'), (X'4142'), (?)", 'INSERT INTO t (c) VALUES (?), (X?), (?)'],
  ];
  for (const [input, expected] of cases) assert.equal(sanitizeSql(input, 'mysql'), expected, input);
  // The same text under the standard dialect keeps "..." as an identifier.
  assert.equal(sanitizeSql('SELECT "a\\" FROM t', 'standard'), 'SELECT "a\\" FROM t');
});

test('headers: all mode keeps useful headers, drops transport noise, redacts secrets always', () => {
  const rules = parseAgentConfig({}).capture.headers;
  const out: Attributes = {};
  headerAttributes(
    'request',
    {
      'Content-Type': 'application/json',
      authorization: 'Bearer t',
      cookie: 'a=1',
      'x-my-session-id': 's',
      'x-request-id': 'r1',
      accept: ['a', 'b'],
      connection: 'keep-alive',
      traceparent: '00-..',
    },
    rules,
    out,
  );
  assert.deepEqual(out, {
    'http.request.header.content-type': 'application/json',
    'http.request.header.authorization': REDACTED,
    'http.request.header.cookie': REDACTED,
    'http.request.header.x-my-session-id': REDACTED,
    'http.request.header.x-request-id': 'r1',
    'http.request.header.accept': 'a, b',
  });
  const allow: Attributes = {};
  headerAttributes(
    'response',
    { 'set-cookie': ['x'], 'x-request-id': 'r' },
    { ...rules, mode: 'allowlist', allowlist: ['set-cookie'] },
    allow,
  );
  assert.deepEqual(allow, { 'http.response.header.set-cookie': REDACTED });
  const off: Attributes = {};
  headerAttributes('request', { a: 'b' }, { ...rules, mode: 'off' }, off);
  assert.deepEqual(off, {});
});

test('payloads: kept up to the limit with size and truncation; binary as base64; content types', () => {
  const c = new PayloadCollector(5);
  c.add('héllo');
  c.add(Buffer.from(' world'));
  const out: Attributes = {};
  c.writeTo('p', out);
  assert.equal(out['p.size'], 12);
  assert.equal(out['p.truncated'], true);
  assert.equal(Buffer.from(out['p'] as string).length <= 5, true);
  const bin = new PayloadCollector(10);
  bin.add(Buffer.from([0, 1, 2]));
  const b: Attributes = {};
  bin.writeTo('m', b);
  assert.deepEqual(b, { m: 'AAEC', 'm.encoding': 'base64', 'm.size': 3 });
  const types = parseAgentConfig({}).capture.payloads.contentTypes;
  assert.equal(capturableContentType('application/json; charset=utf-8', types), true);
  assert.equal(capturableContentType('application/vnd.api+json', types), true);
  assert.equal(capturableContentType('text/html', types), true);
  assert.equal(capturableContentType('image/png', types), false);
  assert.equal(capturableContentType(undefined, types), false);
  // Media types are case-insensitive (RFC 9110), in the header and in the configured prefixes.
  assert.equal(capturableContentType('Application/JSON; charset=UTF-8', types), true);
  assert.equal(capturableContentType('application/Problem+JSON', types), true);
  assert.equal(capturableContentType('TEXT/plain', types), true);
  assert.equal(capturableContentType('Image/PNG', types), false);
  const upper = parseAgentConfig({ capture: { payloads: { contentTypes: ['Application/CSV'] } } }).capture
    .payloads.contentTypes;
  assert.deepEqual(upper, ['application/csv']);
  assert.equal(capturableContentType('application/csv', upper), true);
  assert.equal(capturableContentType('application/vnd.api+json', upper), false, 'no JSON type allowed');
  // The last answer is kept for its type and list: asked again, and for the same type under
  // another list (a configuration change), each list's own answer.
  const json = ['application/', 'json; charset=utf-8'].join('');
  assert.equal(capturableContentType(json, upper), false);
  assert.equal(capturableContentType(json, upper), false);
  assert.equal(capturableContentType(json, types), true);
  assert.equal(capturableContentType(json, types), true);
  assert.equal(capturableContentType('image/png', types), false);
  assert.equal(capturableContentType(json, types), true);
});

test("a response's table and block read as its block alone, with the lines node:http added itself", async () => {
  // Content-Length that node:http computed, chunked Transfer-Encoding, a writeHead(status, headers)
  // without a table before it, and one set in the table: each captured as its block reads, in `all`
  // mode and with an allowlist that names node:http's own lines (Date, Connection, Keep-Alive).
  const responses: ServerResponse[] = [];
  const server = createServer((req, res) => {
    if (req.url === '/computed') {
      res.setHeader('Content-Type', 'text/plain');
      res.end('computed');
    } else if (req.url === '/chunked') {
      res.setHeader('X-Stage', 'one');
      res.write('a');
      res.end('b');
    } else if (req.url === '/writehead')
      res.writeHead(201, { 'X-Only': 'head', 'Content-Length': '0' }).end();
    else {
      res.setHeader('Transfer-Encoding', 'chunked');
      res.end('set');
    }
    res.on('finish', () => responses.push(res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    for (const path of ['/computed', '/chunked', '/writehead', '/set'])
      await new Promise<void>((resolve, reject) =>
        request({ port, host: '127.0.0.1', path }, (res) => res.resume().on('end', resolve))
          .on('error', reject)
          .end(),
      );
    await new Promise((r) => setImmediate(r));
    assert.equal(responses.length, 4);
    const rules = [
      parseAgentConfig({}).capture.headers,
      parseAgentConfig({
        capture: {
          headers: {
            mode: 'allowlist',
            allowlist: ['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding', 'x-stage'],
          },
        },
      }).capture.headers,
    ];
    const kinds: string[] = [];
    for (const res of responses) {
      const block = (res as ServerResponse & { _header: string })._header;
      const sent = sentHeaders(res);
      kinds.push(sent instanceof SentHeaders ? 'table' : typeof sent);
      for (const rule of rules) {
        const fromBlock: Attributes = {};
        headerAttributes('response', block, rule, fromBlock);
        const fromSent: Attributes = {};
        headerAttributes('response', sent, rule, fromSent);
        assert.deepEqual(fromSent, fromBlock, `${rule.mode}: ${block}`);
      }
      assert.equal(
        sent instanceof SentHeaders ? sent.get('content-length') : undefined,
        sent instanceof SentHeaders ? blockHeader(block, 'content-length') : undefined,
      );
    }
    // writeHead with headers and nothing set before: node:http keeps no table, the block is read.
    assert.deepEqual(kinds, ['table', 'table', 'string', 'table']);
    const computed: Attributes = {};
    headerAttributes('response', sentHeaders(responses[0]!), rules[0]!, computed);
    assert.equal(computed['http.response.header.content-length'], '8');
    assert.equal(computed['http.response.header.date'], undefined, 'noise in all mode');
    const chunked: Attributes = {};
    headerAttributes('response', sentHeaders(responses[1]!), rules[1]!, chunked);
    assert.equal(chunked['http.response.header.transfer-encoding'], 'chunked');
    assert.equal(chunked['http.response.header.x-stage'], 'one');
    assert.equal(chunked['http.response.header.connection'], 'keep-alive');
    assert.match(String(chunked['http.response.header.date']), /GMT$/);
  } finally {
    server.close();
  }
});

test("response headers read from node:http's header block equal those read from getHeaders(), in every mode", async () => {
  // A real response: numbers, a name set twice (an array), a secret, odd case, a value with spaces.
  let sent: ServerResponse | undefined;
  const server = createServer((_req, res) => {
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('content-length', 2);
    res.setHeader('X-Multi', ['one', 'two']);
    res.setHeader('Set-Cookie', ['a=1', 'b=2']);
    res.setHeader('x-API-key', 'secret-value');
    res.setHeader('X-Spaced', '  padded value ');
    res.end('{}', () => (sent = res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve, reject) =>
      request({ port, host: '127.0.0.1' }, (res) => res.resume().on('end', resolve))
        .on('error', reject)
        .end(),
    );
    await new Promise((r) => setImmediate(r));
    const block = (sent as ServerResponse & { _header: string })._header;
    assert.equal(typeof block, 'string');
    for (const rules of [
      parseAgentConfig({}).capture.headers,
      parseAgentConfig({
        capture: { headers: { mode: 'allowlist', allowlist: ['x-multi', 'content-length'] } },
      }).capture.headers,
      parseAgentConfig({ capture: { headers: { mode: 'all', redact: ['x-spaced'] } } }).capture.headers,
    ]) {
      const fromObject: Attributes = {};
      headerAttributes('response', sent!.getHeaders(), rules, fromObject);
      const fromBlock: Attributes = {};
      headerAttributes('response', block, rules, fromBlock);
      assert.deepEqual(fromBlock, fromObject, rules.mode);
      assert.ok(Object.keys(fromBlock).length > 0);
      // What the server span keeps: node:http's table with the block, read without a scan.
      const kept = sentHeaders(sent!);
      assert.ok(kept instanceof SentHeaders, "node:http's header table is found");
      const fromSent: Attributes = {};
      headerAttributes('response', kept, rules, fromSent);
      assert.deepEqual(fromSent, fromBlock, rules.mode);
    }
    const all: Attributes = {};
    headerAttributes('response', block, parseAgentConfig({}).capture.headers, all);
    assert.equal(all['http.response.header.x-multi'], 'one, two');
    assert.equal(all['http.response.header.set-cookie'], REDACTED);
    assert.equal(all['http.response.header.x-api-key'], REDACTED);
    assert.equal(all['http.response.header.x-spaced'], '  padded value ');
    assert.equal(blockHeader(block, 'content-type'), 'application/json; charset=utf-8');
    assert.equal(blockHeader(block, 'x-absent'), undefined);
    assert.equal(
      blockHeader('HTTP/1.1 200 OK\r\nCONTENT-TYPE: text/csv\r\n\r\n', 'content-type'),
      'text/csv',
    );
    // The usual spelling is found by one search; a value is what follows ": " (or ":"), as written.
    const usual = 'HTTP/1.1 200 OK\r\nX-Content-Type: no\r\nContent-Type:text/plain \r\nDate: x\r\n\r\n';
    assert.equal(blockHeader(usual, 'content-type'), 'text/plain ');
    assert.equal(blockHeader(usual, 'x-content-type'), 'no');
    assert.equal(blockHeader('HTTP/1.1 204 No Content\r\n\r\n', 'content-type'), undefined);
  } finally {
    server.close();
  }
});

test('payloads in Buffers: text is kept exactly across chunks, whatever the application does with its buffers later', () => {
  const write = (...chunks: Buffer[]) => {
    const c = new PayloadCollector(64);
    for (const chunk of chunks) c.add(chunk);
    const out: Attributes = {};
    c.writeTo('p', out);
    return out;
  };
  // One Buffer of text (express's res.send): the text, whatever happens to the buffer afterwards.
  const reused = Buffer.from('{"ok":true}');
  const c = new PayloadCollector(64);
  c.add(reused);
  reused.fill(0x41);
  const out: Attributes = {};
  c.writeTo('p', out);
  assert.deepEqual(out, { p: '{"ok":true}', 'p.size': 11 });
  // A character split between two writes (é is C3 A9) comes out whole.
  const e = Buffer.from('café crème');
  assert.deepEqual(write(e.subarray(0, 4), e.subarray(4)), { p: 'café crème', 'p.size': 12 });
  assert.deepEqual(write(e.subarray(0, 5), e.subarray(5)), { p: 'café crème', 'p.size': 12 });
  // 4-byte characters at the seam, and a NUL in a later chunk makes it binary (base64 of every byte).
  const emoji = Buffer.from('a😀b');
  assert.deepEqual(write(emoji.subarray(0, 3), emoji.subarray(3)), { p: 'a😀b', 'p.size': 6 });
  const mixed = write(Buffer.from('ab'), Buffer.from([0, 0x63]));
  assert.deepEqual(mixed, {
    p: Buffer.from([0x61, 0x62, 0, 0x63]).toString('base64'),
    'p.encoding': 'base64',
    'p.size': 4,
  });
});

test('configuration: every error has its key path; the zero-config fast path equals the schema', () => {
  assert.throws(
    () => parseAgentConfig({ sampling: { ratio: 2 }, capture: { headers: { mode: 'some' } }, nope: 1 }),
    (err: unknown) =>
      err instanceof AgentConfigError &&
      err.issues.some((i) => i.startsWith('sampling.ratio:')) &&
      err.issues.some((i) => i.startsWith('capture.headers.mode:')) &&
      err.issues.some((i) => i.startsWith('(root):')),
  );
  const input = {
    serviceName: 'svc',
    endpoint: 'http://127.0.0.1:9999',
    headers: { authorization: 'Bearer k' },
  };
  assert.deepEqual(loadInitialConfig(input), parseAgentConfig(input));
  // (the schema module is loaded lazily as its own instance: compare by name)
  assert.throws(() => loadInitialConfig({ endpoint: 'not a url' }), { name: 'AgentConfigError' });
});

test("response headers copied for an equal header block: the bytes of a fresh capture, never another block's", async () => {
  const { ProtobufSink } = await import('../src/telemetry/attribute-encoding.ts');
  const { ProtobufWriter } = await import('../src/telemetry/protobuf-writer.ts');
  const { captureHeaders } = await import('../src/capture/header-capture.ts');
  const rules = parseAgentConfig({}).capture.headers;
  const allowlist = parseAgentConfig({ capture: { headers: { mode: 'allowlist' } } }).capture.headers;
  // A fresh string each time, as node:http builds each response's block.
  const sent = (etag: string, requestId = 'r1') => {
    const table = {
      'content-type': ['Content-Type', 'application/json'],
      etag: ['ETag', etag],
      'x-request-id': ['X-Request-Id', requestId],
      'set-cookie': ['Set-Cookie', 's=1'],
    } as const;
    const lines = Object.values(table).map(([name, value]) => `${name}: ${value}\r\n`);
    return new SentHeaders(table, ['HTTP/1.1 200 OK\r\n', ...lines, 'Date: x\r\n\r\n'].join(''));
  };
  const w = new ProtobufWriter(16);
  const write = (headers: SentHeaders, r = rules, limit = 128, own?: Attributes) => {
    w.reset();
    w.small(new Uint8Array(3).fill(0xee)); // the group does not start at 0
    const sink = new ProtobufSink(w, 9, limit, own);
    captureHeaders('response', headers, r, sink);
    return { bytes: Buffer.from(w.finish()).toString('hex'), dropped: sink.dropped };
  };
  // Fresh captures of each case, before any is remembered: what every later write must equal.
  const expected = (headers: SentHeaders, r = rules, limit = 128, own?: Attributes) =>
    JSON.stringify(write(headers, r, limit, own));
  const cases: Array<[string, () => SentHeaders, CaptureRules?, number?, Attributes?]> = [
    ['first block', () => sent('"a"')],
    ['another etag', () => sent('"b"')],
    ['another request id', () => sent('"a"', 'r2')],
    ['allowlist rules', () => sent('"a"'), allowlist],
    ['under the limit', () => sent('"a"'), rules, 2],
    ['shadowed by an own attribute', () => sent('"a"'), rules, 128, { 'http.response.header.etag': 'own' }],
  ];
  const fresh: string[] = [];
  // No two cases share a block, rules and room: each is captured afresh the first time.
  for (const [, make, r, limit, own] of cases) fresh.push(expected(make(), r, limit, own));
  // Then each case three times over, in turns: the first four copied as kept (four are kept), the
  // last two captured afresh again (not all of it fits; an own attribute replaces one).
  for (let round = 0; round < 3; round++)
    for (const [i, [name, make, r, limit, own]] of cases.entries())
      assert.equal(JSON.stringify(write(make(), r, limit, own)), fresh[i], `${name}, round ${round}`);
  assert.notEqual(fresh[0], fresh[1], 'the etag is captured');
  assert.match(fresh[0]!, new RegExp(Buffer.from(REDACTED).toString('hex')), 'Set-Cookie is redacted');
});

type CaptureRules = ReturnType<typeof parseAgentConfig>['capture']['headers'];
