import { test } from 'node:test';
import assert from 'node:assert/strict';
import { groupAttributes, indentJsonLike, prettyPayload } from '../src/lib/trace-attributes.ts';
import { spanEvents, spanExceptions, spanLinks } from '../src/lib/trace-events.ts';
import { severityLevel, traceLogs } from '../src/lib/trace-logs.ts';
import { searchHref, searchRangeOf, traceHref } from '../src/lib/trace-links.ts';
import { isoAt, spanRow } from './trace-fixtures.ts';

const keys = (list: Array<{ key: string }>) => list.map((a) => a.key);

test('HTTP attributes, headers and bodies go to their own sections, with the truncation markers read', () => {
  const groups = groupAttributes({
    'http.response.status_code': '503',
    'http.request.method': 'POST',
    'http.route': '/charge',
    'server.address': 'payments',
    'user_agent.original': 'traffic/1.0',
    'http.request.header.content-type': 'application/json',
    'http.request.header.authorization': '[REDACTED]',
    'http.response.header.x-request-id': 'r-1',
    'http.request.payload': '{"orderId":1',
    'http.request.payload.size': '2048',
    'http.request.payload.truncated': 'true',
    'http.response.payload': '{"error":"card declined"}',
    'http.response.payload.size': '25',
    'code.function.name': 'charge',
    'code.file.path': '/app/payments/routes.js',
    'code.line.number': '23',
    'code.stacktrace': '    at charge (/app/payments/routes.js:23:11)',
    'deployment.zone': 'eu-1',
  });
  assert.deepEqual(keys(groups.http), [
    'http.request.method',
    'http.route',
    'http.response.status_code',
    'server.address',
    'user_agent.original',
  ]);
  assert.deepEqual(groups.requestHeaders, [
    { name: 'authorization', value: '[REDACTED]', redacted: true },
    { name: 'content-type', value: 'application/json', redacted: false },
  ]);
  assert.deepEqual(groups.responseHeaders, [{ name: 'x-request-id', value: 'r-1', redacted: false }]);
  assert.deepEqual(groups.payloads, [
    {
      key: 'http.request.payload',
      label: 'Request body',
      value: '{"orderId":1',
      truncated: true,
      size: 2048,
    },
    {
      key: 'http.response.payload',
      label: 'Response body',
      value: '{"error":"card declined"}',
      truncated: false,
      size: 25,
    },
  ]);
  assert.deepEqual(keys(groups.code), ['code.function.name', 'code.file.path', 'code.line.number']);
  assert.equal(groups.stacktrace, '    at charge (/app/payments/routes.js:23:11)');
  assert.deepEqual(keys(groups.other), ['deployment.zone']);
  assert.deepEqual([groups.database, groups.messaging, groups.rpc], [[], [], []]);
});

test('a body shorter than its recorded size is truncated even without the flag; base64 bodies keep their encoding', () => {
  const groups = groupAttributes({
    'messaging.system': 'kafka',
    'messaging.message.payload': 'abc',
    'messaging.message.payload.size': 10,
    'messaging.destination.name': 'orders',
    'server.address': 'kafka:9092',
    'grpc.payload': 'AAEC',
    'grpc.payload.encoding': 'base64',
    'grpc.payload.size': '3',
  });
  assert.deepEqual(
    groups.payloads.map((p) => [p.key, p.label, p.truncated, p.encoding]),
    [
      ['messaging.message.payload', 'Message', true, undefined],
      ['grpc.payload', 'grpc.payload', false, 'base64'],
    ],
  );
  assert.deepEqual(keys(groups.messaging), [
    'messaging.system',
    'messaging.destination.name',
    'server.address',
  ]);
});

test('database statements are pulled out; connection attributes follow the span protocol', () => {
  const groups = groupAttributes({
    'db.system.name': 'postgresql',
    'db.query.text': 'INSERT INTO orders VALUES ($1)',
    'db.operation.name': 'INSERT',
    'db.namespace': 'shop',
    'server.port': '5432',
    'rpc.system': 'grpc',
  });
  assert.deepEqual(groups.statement, { key: 'db.query.text', value: 'INSERT INTO orders VALUES ($1)' });
  assert.deepEqual(keys(groups.database), [
    'db.system.name',
    'db.namespace',
    'db.operation.name',
    'server.port',
  ]);
  assert.deepEqual(keys(groups.rpc), ['rpc.system']);
  assert.equal(groupAttributes({ 'db.statement': 'SELECT 1' }).statement?.value, 'SELECT 1');
  assert.deepEqual(keys(groupAttributes({ 'server.address': 'x' }).other), ['server.address']);
});

test('payloads are pretty-printed when JSON, bracket-indented when cut, and left alone otherwise', () => {
  assert.deepEqual(prettyPayload('{"a":1,"b":[1,2]}'), {
    text: '{\n  "a": 1,\n  "b": [\n    1,\n    2\n  ]\n}',
    format: 'json',
  });
  assert.deepEqual(prettyPayload('{"a":{"s":"x, {y}"},"b":[]'), {
    text: '{\n  "a": {\n    "s": "x, {y}"\n  },\n  "b": []',
    format: 'partial-json',
  });
  assert.deepEqual(prettyPayload('plain text, not json'), { text: 'plain text, not json', format: 'text' });
  assert.equal(indentJsonLike('{"q":"say \\"hi\\", {"}'), '{\n  "q": "say \\"hi\\", {"\n}');
});

test('events carry offsets from their span start; exceptions and links are read from their columns', () => {
  const row = spanRow('pay', 'root', 31, 137, {
    'Events.Timestamp': [isoAt(161_000_000), isoAt(40_000_000)],
    'Events.Name': ['exception', 'retry'],
    'Events.Attributes': [
      {
        'exception.type': 'PaymentError',
        'exception.message': 'card declined',
        'exception.stacktrace': 'PaymentError: card declined\n    at charge',
      },
      { attempt: 2 },
    ],
    'Links.TraceId': ['5b8efff798038103d269b633813fc60c'],
    'Links.SpanId': ['eee19b7ec3c1b174'],
    'Links.TraceState': [''],
    'Links.Attributes': [{ 'messaging.operation': 'receive' }],
  });
  const events = spanEvents(row);
  assert.deepEqual(
    events.map((e) => [e.name, e.offsetNs, e.attributes]),
    [
      ['retry', 9_000_000, { attempt: '2' }],
      [
        'exception',
        130_000_000,
        {
          'exception.type': 'PaymentError',
          'exception.message': 'card declined',
          'exception.stacktrace': 'PaymentError: card declined\n    at charge',
        },
      ],
    ],
  );
  assert.deepEqual(spanExceptions(events), [
    {
      type: 'PaymentError',
      message: 'card declined',
      stacktrace: 'PaymentError: card declined\n    at charge',
      offsetNs: 130_000_000,
    },
  ]);
  assert.deepEqual(spanLinks(row), [
    {
      traceId: '5b8efff798038103d269b633813fc60c',
      spanId: 'eee19b7ec3c1b174',
      traceState: '',
      attributes: { 'messaging.operation': 'receive' },
    },
  ]);
  assert.deepEqual(spanEvents(spanRow('x', '', 0, 1)), []);
});

test("the trace's logs are ordered by time with offsets and severity levels", () => {
  const start = { seconds: Date.UTC(2026, 10, 26, 11, 20, 38) / 1000, nanos: 0 };
  const logs = traceLogs(
    [
      {
        Timestamp: isoAt(130e6),
        SeverityText: 'ERROR',
        SeverityNumber: 17,
        Body: 'card declined',
        SpanId: 'p',
      },
      {
        Timestamp: isoAt(1e6),
        SeverityText: '',
        SeverityNumber: 9,
        Body: 'started',
        SpanId: 'r',
        ServiceName: 'web',
      },
    ],
    start,
  );
  assert.deepEqual(
    logs.map((l) => [l.offsetNs, l.severity, l.level, l.body, l.spanId]),
    [
      [1e6, 'INFO', 'info', 'started', 'r'],
      [130e6, 'ERROR', 'error', 'card declined', 'p'],
    ],
  );
  assert.equal(severityLevel(0, 'Warning'), 'warn');
  assert.equal(severityLevel(undefined, 'whatever'), 'unknown');
  assert.equal(severityLevel(21, 'x'), 'fatal');
});

test('search links filter on the attribute around the trace time; trace links carry the span', () => {
  const range = searchRangeOf({ seconds: 1_800_000_000, nanos: 500_000_000 }, 2e9);
  assert.deepEqual(range, { fromMs: 1_799_996_400_500, toMs: 1_800_003_602_500 });
  const href = new URL(searchHref('traces', 'http.route', '/charge', range), 'http://x');
  assert.equal(href.pathname, '/search');
  assert.equal(href.searchParams.get('signal'), 'traces');
  assert.equal(href.searchParams.get('q'), 'http.route:"/charge"');
  assert.equal(href.searchParams.get('from'), '1799996400500');
  assert.equal(traceHref('abc', 'def'), '/trace/abc?span=def');
  assert.equal(traceHref('abc'), '/trace/abc');
});
