import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { constants as zlibConstants, createGzip, gzipSync, deflateSync } from 'node:zlib';
import { status } from '@grpc/grpc-js';
import { startTestSpyglass, waitForRows } from '../support/start-test-spyglass.ts';
import {
  decodePartialSuccess,
  decodeRpcStatus,
  lenField,
  otlpJsonToProto,
  tag,
} from '../../packages/otlp/test/support/otlp-json-to-proto.ts';
import {
  GRPC_PATHS,
  T_NANOS,
  jsonSpan,
  jsonTraces,
  newSpanId,
  newTraceId,
  rawGrpcClient,
} from '../support/ingest-helpers.ts';

const MAX_BODY = 64 * 1024;

let spy: Awaited<ReturnType<typeof startTestSpyglass>>;
let grpc: ReturnType<typeof rawGrpcClient>;
let base: string;
before(async () => {
  spy = await startTestSpyglass({ clickhouseHttp: { enabled: false }, ingest: { maxBodyBytes: MAX_BODY } });
  base = `http://127.0.0.1:${spy.ports.otlpHttp}`;
  grpc = rawGrpcClient(`127.0.0.1:${spy.ports.otlpGrpc}`);
});
after(async () => {
  grpc.close();
  await spy.shutdown();
});

function post(
  path: string,
  body: NonNullable<RequestInit['body']>,
  headers: Record<string, string>,
): Promise<Response> {
  return fetch(`${base}${path}`, { method: 'POST', headers, body });
}
const postJson = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  post(path, typeof body === 'string' ? body : JSON.stringify(body), {
    'content-type': 'application/json',
    ...headers,
  });
const postProto = (path: string, body: Buffer, headers: Record<string, string> = {}) =>
  post(path, body, { 'content-type': 'application/x-protobuf', ...headers });

async function count(table: string, service: string): Promise<number> {
  const [row] = await spy.store.driver.queryRows<{ n: number }>(
    `SELECT count() AS n FROM ${table} WHERE ServiceName = '${service}'`,
  );
  return Number(row?.n ?? 0);
}

let sentinels = 0;
/**
 * Sends a valid request and waits until it is stored. Batches are inserted in
 * order, so afterwards anything accepted before it is in the store too: a
 * count of 0 then really means "not stored".
 */
async function storeSentinel(): Promise<void> {
  const service = `sentinel-${sentinels++}`;
  const res = await postJson('/v1/traces', jsonTraces(service, [jsonSpan('sentinel')]));
  assert.equal(res.status, 200, 'a valid request is accepted');
  await waitForRows<{ n: number }>(
    spy,
    `SELECT count() AS n FROM otel_traces WHERE ServiceName = '${service}'`,
    (r) => Number(r[0]?.n) === 1,
  );
}

/** A protobuf request whose first span is complete but whose body is then cut mid-field. */
function truncatedProto(service: string): Buffer {
  const full = otlpJsonToProto('traces', jsonTraces(service, [jsonSpan('first'), jsonSpan('second')]));
  return full.subarray(0, full.length - 7);
}

test('malformed protobuf over HTTP: 400 with a google.rpc.Status naming the problem, nothing stored', async () => {
  const service = 'bad-proto-http';
  const res = await postProto('/v1/traces', truncatedProto(service));
  assert.equal(res.status, 400);
  assert.equal(res.headers.get('content-type'), 'application/x-protobuf');
  const st = decodeRpcStatus(Buffer.from(await res.arrayBuffer()));
  assert.equal(st.code, 3, 'INVALID_ARGUMENT');
  assert.match(st.message, /malformed protobuf traces request/);
  assert.match(st.message, /byte \d+/, 'says where the body is broken');

  const garbage = await postProto('/v1/logs', Buffer.from('this is not protobuf at all'));
  assert.equal(garbage.status, 400);
  assert.match(
    decodeRpcStatus(Buffer.from(await garbage.arrayBuffer())).message,
    /malformed protobuf logs request/,
  );

  await storeSentinel();
  assert.equal(await count('otel_traces', service), 0, 'no part of a malformed request is stored');
});

test('malformed protobuf over gRPC: INVALID_ARGUMENT with details, nothing stored', async () => {
  const service = 'bad-proto-grpc';
  const r = await grpc.export(GRPC_PATHS.traces, truncatedProto(service));
  assert.equal(r.error?.code, status.INVALID_ARGUMENT);
  assert.match(r.error?.details ?? '', /malformed protobuf traces request/);
  const detailsBin = r.error?.metadata.get('grpc-status-details-bin')[0];
  assert.ok(Buffer.isBuffer(detailsBin), 'a google.rpc.Status in grpc-status-details-bin');
  assert.equal(decodeRpcStatus(detailsBin).code, status.INVALID_ARGUMENT);

  const metrics = await grpc.export(GRPC_PATHS.metrics, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]));
  assert.equal(metrics.error?.code, status.INVALID_ARGUMENT, 'a length prefix past the end is refused');

  await storeSentinel();
  assert.equal(await count('otel_traces', service), 0);
});

test('malformed JSON: 400 with a JSON {code, message} body, nothing stored', async () => {
  const res = await postJson('/v1/traces', '{"resourceSpans": [');
  assert.equal(res.status, 400);
  assert.equal(res.headers.get('content-type'), 'application/json');
  const body = (await res.json()) as { code: number; message: string };
  assert.equal(body.code, 3);
  assert.match(body.message, /malformed json traces request: invalid JSON/);

  const service = 'bad-json-shape';
  const wrongType = jsonTraces(service, [
    jsonSpan('ok'),
    { ...jsonSpan('bad'), startTimeUnixNano: 'yesterday' },
  ]);
  const res2 = await postJson('/v1/traces', wrongType);
  assert.equal(res2.status, 400);
  const body2 = (await res2.json()) as { code: number; message: string };
  assert.match(
    body2.message,
    /resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[1\]\.startTimeUnixNano: expected an integer/,
    'names the JSON path',
  );

  const notObject = await postJson('/v1/metrics', '[1, 2, 3]');
  assert.equal(notObject.status, 400);

  await storeSentinel();
  assert.equal(await count('otel_traces', service), 0, 'a request with one malformed span is refused whole');
});

test('wrong Content-Type is refused with 415', async () => {
  const valid = JSON.stringify(jsonTraces('wrong-content-type', [jsonSpan('x')]));
  for (const contentType of ['text/plain', 'application/xml', 'multipart/form-data; boundary=x']) {
    const res = await post('/v1/traces', valid, { 'content-type': contentType });
    assert.equal(res.status, 415, contentType);
    assert.match(await res.text(), /application\/x-protobuf or application\/json/);
  }
  const missing = await fetch(`${base}/v1/traces`, { method: 'POST', body: new Uint8Array([1, 2]) });
  assert.equal(missing.status, 415, 'no Content-Type at all');
  const withCharset = await post('/v1/traces', valid, { 'content-type': 'application/json; charset=utf-8' });
  assert.equal(withCharset.status, 200, 'parameters after the media type are fine');
});

test('unsupported Content-Encoding is refused with 415', async () => {
  const body = JSON.stringify(jsonTraces('bad-encoding', [jsonSpan('x')]));
  const res = await postJson('/v1/traces', body, { 'content-encoding': 'br' });
  assert.equal(res.status, 415);
  const st = (await res.json()) as { message: string };
  assert.match(st.message, /Content-Encoding "br"/);
  const zstd = await postProto('/v1/traces', Buffer.from([1, 2, 3]), { 'content-encoding': 'zstd' });
  assert.equal(zstd.status, 415);
  assert.match(decodeRpcStatus(Buffer.from(await zstd.arrayBuffer())).message, /zstd/);
});

test('a body over the limit is refused with 413, over HTTP (sized or streamed) and gRPC', async () => {
  const service = 'too-large';
  const big = jsonTraces(service, [
    { ...jsonSpan('big'), attributes: [{ key: 'blob', value: { stringValue: 'x'.repeat(MAX_BODY + 10) } }] },
  ]);
  const res = await postJson('/v1/traces', big);
  assert.equal(res.status, 413);
  assert.match(((await res.json()) as { message: string }).message, /exceeds the limit of 65536 bytes/);

  // Chunked, without a Content-Length: the limit is enforced while reading.
  const bytes = Buffer.from(JSON.stringify(big));
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < bytes.length; i += 8192) controller.enqueue(bytes.subarray(i, i + 8192));
      controller.close();
    },
  });
  const chunked = await fetch(`${base}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: stream,
    duplex: 'half',
  } as RequestInit);
  assert.equal(chunked.status, 413);

  const r = await grpc.export(GRPC_PATHS.traces, otlpJsonToProto('traces', big));
  assert.equal(
    r.error?.code,
    status.RESOURCE_EXHAUSTED,
    'gRPC: message larger than max_receive_message_length',
  );

  await storeSentinel();
  assert.equal(await count('otel_traces', service), 0);
});

/** gzip of `megabytes` MB of zeros, produced in a stream so that the test itself stays small. */
async function gzipBomb(megabytes: number): Promise<Buffer> {
  const gz = createGzip({ level: zlibConstants.Z_BEST_COMPRESSION });
  const out: Buffer[] = [];
  gz.on('data', (c: Buffer) => out.push(c));
  const done = new Promise<void>((resolve, reject) => {
    gz.on('end', resolve);
    gz.on('error', reject);
  });
  const zeros = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < megabytes; i++) {
    if (!gz.write(zeros)) await new Promise((r) => gz.once('drain', r));
  }
  gz.end();
  await done;
  return Buffer.concat(out);
}

test('a gzip bomb is refused with 413 quickly, without inflating it', async () => {
  // 200 MB of zeros: about 200 KB compressed, so already over the wire limit.
  const bomb200 = await gzipBomb(200);
  // 60 MB of zeros: under 64 KB compressed, so only the decompression limit can stop it.
  const bomb60 = await gzipBomb(60);
  assert.ok(bomb60.length < MAX_BODY, `the small bomb (${bomb60.length} bytes) passes the wire limit`);

  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  const started = Date.now();
  for (const [bomb, encoding] of [
    [bomb200, 'protobuf'],
    [bomb60, 'protobuf'],
    [bomb60, 'json'],
  ] as const) {
    const res = await post('/v1/traces', bomb, {
      'content-type': encoding === 'json' ? 'application/json' : 'application/x-protobuf',
      'content-encoding': 'gzip',
    });
    assert.equal(res.status, 413, `${bomb.length}-byte bomb as ${encoding}`);
    await res.arrayBuffer();
  }
  const res = await post('/v1/logs', bomb60, {
    'content-type': 'application/json',
    'content-encoding': 'gzip',
  });
  assert.equal(res.status, 413);
  assert.match(
    ((await res.json()) as { message: string }).message,
    /decompressed request body exceeds the limit/,
  );
  const elapsed = Date.now() - started;
  const rssGrowth = process.memoryUsage().rss - rssBefore;
  assert.ok(elapsed < 5_000, `refused quickly (${elapsed} ms)`);
  assert.ok(
    rssGrowth < 48 * 1024 * 1024,
    `memory stays sane: RSS grew by ${Math.round(rssGrowth / 1024 / 1024)} MB for 60-200 MB bombs`,
  );
});

test('gzip- and deflate-compressed valid bodies are accepted and stored; corrupt gzip is a 400', async () => {
  const service = 'compressed';
  const json = Buffer.from(JSON.stringify(jsonTraces(service, [jsonSpan('gzip-json')])));
  const r1 = await post('/v1/traces', gzipSync(json), {
    'content-type': 'application/json',
    'content-encoding': 'gzip',
  });
  assert.equal(r1.status, 200);
  const proto = otlpJsonToProto('traces', jsonTraces(service, [jsonSpan('gzip-proto')]));
  const r2 = await post('/v1/traces', gzipSync(proto), {
    'content-type': 'application/x-protobuf',
    'content-encoding': 'GZIP',
  });
  assert.equal(r2.status, 200, 'the encoding name is case-insensitive');
  const r3 = await post(
    '/v1/traces',
    deflateSync(Buffer.from(JSON.stringify(jsonTraces(service, [jsonSpan('deflate-json')])))),
    {
      'content-type': 'application/json',
      'content-encoding': 'deflate',
    },
  );
  assert.equal(r3.status, 200);

  const gzGrpc = rawGrpcClient(`127.0.0.1:${spy.ports.otlpGrpc}`, {
    'grpc.default_compression_algorithm': 2,
  });
  try {
    const r = await gzGrpc.export(
      GRPC_PATHS.traces,
      otlpJsonToProto('traces', jsonTraces(service, [jsonSpan('gzip-grpc')])),
    );
    assert.equal(r.error, null, 'gRPC with gzip message compression');
  } finally {
    gzGrpc.close();
  }

  const rows = await waitForRows<{ SpanName: string }>(
    spy,
    `SELECT SpanName FROM otel_traces WHERE ServiceName = '${service}' ORDER BY SpanName`,
    (r) => r.length >= 4,
  );
  assert.deepEqual(
    rows.map((r) => r.SpanName),
    ['deflate-json', 'gzip-grpc', 'gzip-json', 'gzip-proto'],
  );

  const corrupt = gzipSync(json);
  corrupt[corrupt.length - 5] = corrupt[corrupt.length - 5]! ^ 0xff; // break the CRC/length trailer
  const r4 = await post('/v1/traces', corrupt.subarray(0, corrupt.length - 3), {
    'content-type': 'application/json',
    'content-encoding': 'gzip',
  });
  assert.equal(r4.status, 400);
  assert.match(((await r4.json()) as { message: string }).message, /invalid gzip body/);
});

test('spans with invalid ids are rejected and counted in partialSuccess while valid ones are stored (JSON)', async () => {
  const service = 'invalid-ids-json';
  const res = await postJson(
    '/v1/traces',
    jsonTraces(service, [
      jsonSpan('good-1'),
      jsonSpan('short-trace', { traceId: 'abc123' }),
      jsonSpan('non-hex-trace', { traceId: 'zz' + 'a'.repeat(30) }),
      jsonSpan('long-span', { spanId: 'a'.repeat(18) }),
      jsonSpan('good-2', { traceId: 'ABCDEF0123456789ABCDEF0123456789' }),
    ]),
  );
  assert.equal(res.status, 200, 'a partial success is still a 200');
  const body = (await res.json()) as { partialSuccess?: { rejectedSpans?: string; errorMessage?: string } };
  assert.equal(body.partialSuccess?.rejectedSpans, '3', 'int64 as a JSON string, per the OTLP/JSON mapping');
  const message = body.partialSuccess?.errorMessage ?? '';
  assert.match(message, /^3 rejected: /);
  assert.match(message, /"short-trace": invalid trace id "abc123"/);
  assert.match(message, /"non-hex-trace": invalid trace id/);
  assert.match(message, /"long-span": invalid span id/);

  const rows = await waitForRows<{ SpanName: string; TraceId: string }>(
    spy,
    `SELECT SpanName, TraceId FROM otel_traces WHERE ServiceName = '${service}' ORDER BY SpanName`,
    (r) => r.length >= 2,
  );
  await storeSentinel();
  assert.equal(await count('otel_traces', service), 2, 'exactly the two valid spans are stored');
  assert.deepEqual(
    rows.map((r) => r.SpanName),
    ['good-1', 'good-2'],
  );
  assert.equal(
    rows[1]?.TraceId,
    'abcdef0123456789abcdef0123456789',
    'uppercase hex ids are valid and stored lowercase',
  );

  // Logs and metrics report their own rejected counters.
  const logs = await postJson('/v1/logs', {
    resourceLogs: [
      {
        scopeLogs: [
          { logRecords: [{ timeUnixNano: T_NANOS, traceId: 'nothex', body: { stringValue: 'x' } }] },
        ],
      },
    ],
  });
  assert.equal(logs.status, 200);
  const logsBody = (await logs.json()) as {
    partialSuccess?: { rejectedLogRecords?: string; errorMessage?: string };
  };
  assert.equal(logsBody.partialSuccess?.rejectedLogRecords, '1');
  assert.match(logsBody.partialSuccess?.errorMessage ?? '', /invalid trace id "nothex"/);
});

test('spans with invalid ids are counted in the protobuf partial_success, over HTTP and gRPC', async () => {
  for (const transport of ['http', 'grpc'] as const) {
    const service = `invalid-ids-proto-${transport}`;
    const request = jsonTraces(service, [
      jsonSpan('good', { traceId: newTraceId(), spanId: newSpanId() }),
      jsonSpan('8-byte-trace-id', { traceId: 'a1b2c3d4e5f60718' }),
      jsonSpan('zero-span-id', { spanId: '0000000000000000' }),
    ]);
    const body = otlpJsonToProto('traces', request);
    let response: Buffer;
    if (transport === 'http') {
      const res = await postProto('/v1/traces', body);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'application/x-protobuf');
      response = Buffer.from(await res.arrayBuffer());
    } else {
      const r = await grpc.export(GRPC_PATHS.traces, body);
      assert.equal(r.error, null);
      response = r.response ?? Buffer.alloc(0);
    }
    const partial = decodePartialSuccess(response);
    assert.ok(partial, `${transport}: ExportTraceServiceResponse.partial_success is set`);
    assert.equal(partial.rejected, 2n, `${transport}: rejected_spans`);
    assert.match(partial.message, /"8-byte-trace-id": invalid trace id "a1b2c3d4e5f60718"/);
    assert.match(partial.message, /"zero-span-id": invalid span id/);
    await waitForRows<{ SpanName: string }>(
      spy,
      `SELECT SpanName FROM otel_traces WHERE ServiceName = '${service}'`,
      (r) => r.length >= 1,
    );
  }
  await storeSentinel();
  assert.equal(await count('otel_traces', 'invalid-ids-proto-http'), 1, 'only the valid span is stored');
  assert.equal(await count('otel_traces', 'invalid-ids-proto-grpc'), 1);
});

test('CORS: a preflight gets 204 with the allow headers, and responses carry allow-origin', async () => {
  const preflight = await fetch(`${base}/v1/traces`, {
    method: 'OPTIONS',
    headers: {
      origin: 'https://app.example.com',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type,authorization',
    },
  });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
  assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /POST/);
  assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /content-type/);
  assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /authorization/);

  const res = await postJson('/v1/traces', jsonTraces('cors', [jsonSpan('from-browser')]), {
    origin: 'https://app.example.com',
  });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('access-control-allow-origin'), '*', 'the browser may read the response');
  const refused = await postJson('/v1/traces', '{', { origin: 'https://app.example.com' });
  assert.equal(refused.status, 400);
  assert.equal(
    refused.headers.get('access-control-allow-origin'),
    '*',
    'errors are readable by the browser too',
  );
});

test('wrong method is 405 and an unknown path is 404', async () => {
  const get = await fetch(`${base}/v1/traces`);
  assert.equal(get.status, 405);
  assert.match(get.headers.get('allow') ?? '', /POST/);
  const put = await fetch(`${base}/v1/logs`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  assert.equal(put.status, 405);

  for (const path of ['/', '/v1/trace', '/v2/traces', '/v1/traces/extra']) {
    const res = await postJson(path, jsonTraces('unknown-path', [jsonSpan('x')]));
    assert.equal(res.status, 404, path);
    assert.match(await res.text(), /\/v1\/traces, \/v1\/logs or \/v1\/metrics/);
  }
  const withQuery = await postJson('/v1/traces?tenant=a', jsonTraces('query-string', [jsonSpan('x')]));
  assert.equal(withQuery.status, 200, 'a query string does not change the endpoint');

  const unknownGrpc = await grpc.export(
    '/opentelemetry.proto.collector.profiles.v1development.ProfilesService/Export',
    Buffer.alloc(0),
  );
  assert.equal(unknownGrpc.error?.code, status.UNIMPLEMENTED);
});

test('odd but decodable values never make the store refuse a batch that holds other clients data', async () => {
  // Each of these is a well-formed OTLP request with values at the edges of their
  // types. Sent at the same time as valid data, they share its insert batch: if
  // the store refused any row, the whole batch (the valid data too) would be lost.
  const edgy = [
    // A log record with neither time set: Timestamp is the Unix epoch.
    [
      '/v1/logs',
      { resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'no time at all' } }] }] }] },
    ],
    // A span that starts at time 0 and one far beyond DateTime64(9)'s range (year 2262).
    [
      '/v1/traces',
      jsonTraces('edgy', [{ ...jsonSpan('epoch'), startTimeUnixNano: '0', endTimeUnixNano: '0' }]),
    ],
    [
      '/v1/traces',
      jsonTraces('edgy', [
        {
          ...jsonSpan('far-future'),
          startTimeUnixNano: '18446744073709551615',
          endTimeUnixNano: '18446744073709551615',
        },
      ]),
    ],
    // A lone UTF-16 surrogate (what a JS app produces when truncating a string mid-emoji).
    [
      '/v1/traces',
      jsonTraces('edgy', [
        {
          ...jsonSpan('lone-surrogate \ud83d'),
          attributes: [{ key: 'k\udc00', value: { stringValue: 'truncated \ud83d' } }],
        },
      ]),
    ],
    // Numbers that are valid JSON but not integers, or out of their column's range.
    [
      '/v1/metrics',
      {
        resourceMetrics: [
          {
            scopeMetrics: [
              {
                scope: { name: 'edgy', droppedAttributesCount: -1 },
                metrics: [
                  {
                    name: 'edgy.exp',
                    exponentialHistogram: {
                      aggregationTemporality: 2,
                      dataPoints: [
                        {
                          timeUnixNano: '99999999999999999999',
                          count: 1,
                          scale: 1.5,
                          positive: { offset: 1e300, bucketCounts: [1] },
                        },
                      ],
                    },
                  },
                  {
                    name: 'edgy.sum',
                    sum: {
                      aggregationTemporality: 1e300,
                      dataPoints: [{ timeUnixNano: T_NANOS, asDouble: 1e308, flags: 1.5 }],
                    },
                  },
                ],
              },
            ],
          },
        ],
      },
    ],
    [
      '/v1/logs',
      {
        resourceLogs: [
          {
            scopeLogs: [
              { logRecords: [{ timeUnixNano: T_NANOS, flags: 4294967295.5, severityNumber: 1e300 }] },
            ],
          },
        ],
      },
    ],
  ] as const;
  // The same edges in protobuf (traces take a separate, hand-written transcoding path).
  const edgyProto = [
    jsonTraces('edgy-proto', [{ ...jsonSpan('epoch'), startTimeUnixNano: '0', endTimeUnixNano: '0' }]),
    jsonTraces('edgy-proto', [
      { ...jsonSpan('far-future'), startTimeUnixNano: '18446744073709551615', endTimeUnixNano: '1' },
    ]),
    jsonTraces('edgy-proto', [
      { ...jsonSpan('no-times'), startTimeUnixNano: undefined, endTimeUnixNano: undefined },
    ]),
  ].map((r) => otlpJsonToProto('traces', r));
  const invalidUtf8 = otlpJsonToProto(
    'traces',
    jsonTraces('edgy-proto', [
      { ...jsonSpan('bad-utf8-'), attributes: [{ key: 'k', value: { stringValue: 'v' } }] },
    ]),
  );
  // Turn the last byte of the span name "bad-utf8-" into 0xff: invalid UTF-8 inside a string field.
  const nameAt = invalidUtf8.indexOf('bad-utf8-');
  assert.ok(nameAt > 0);
  invalidUtf8[nameAt + 8] = 0xff;
  const service = 'innocent-bystander';
  const results = await Promise.all([
    ...edgy.map(([path, body]) => postJson(path, body)),
    ...edgyProto.map((body) => postProto('/v1/traces', body)),
    postProto('/v1/traces', invalidUtf8),
    postJson('/v1/traces', jsonTraces(service, [jsonSpan('valid-neighbour')])),
  ]);
  for (const [i, res] of results.entries()) {
    assert.ok(res.status === 200 || res.status === 400, `request ${i}: a clear answer (got ${res.status})`);
    await res.arrayBuffer();
  }
  assert.equal(results.at(-1)?.status, 200);
  await waitForRows<{ n: number }>(
    spy,
    `SELECT count() AS n FROM otel_traces WHERE ServiceName = '${service}'`,
    (r) => Number(r[0]?.n) === 1,
  );
  await storeSentinel();
  const deadLetters = join(spy.dataDir, 'dead-letter');
  assert.deepEqual(
    existsSync(deadLetters) ? readdirSync(deadLetters) : [],
    [],
    'no batch was refused by the store',
  );
  assert.equal(spy.gateway.stats().deadLetterBatches, 0);
});

/** A one-span request whose span name "hello" has its length prefix encoded as `prefix` (value 5, in any varint form). */
function spanWithNameLengthPrefix(service: string, prefix: number[]): Buffer {
  const start = Buffer.alloc(8);
  start.writeBigUInt64LE(BigInt(T_NANOS));
  const span = Buffer.concat([
    lenField(1, Buffer.from(newTraceId(), 'hex')),
    lenField(2, Buffer.from(newSpanId(), 'hex')),
    tag(5, 2),
    Buffer.from(prefix),
    Buffer.from('hello'),
    tag(7, 1),
    start,
  ]);
  const resource = lenField(
    1,
    lenField(
      1,
      Buffer.concat([
        lenField(1, Buffer.from('service.name')),
        lenField(2, lenField(1, Buffer.from(service))),
      ]),
    ),
  );
  return lenField(1, Buffer.concat([resource, lenField(2, lenField(2, span))]));
}

test('protobuf length prefixes beyond 32 bits are refused (400), and in-range non-canonical ones are stored as sent', async () => {
  // Regression: the length used to be read modulo 2^32 and accepted, while the
  // store (which reads the same bytes in RowBinary) saw a 4 GiB string and refused
  // the whole batch, losing other clients' acknowledged data with it.
  const service = 'varint-lengths';
  const over32Bits = [
    [0x85, 0x80, 0x80, 0x80, 0x10],
    [0x85, 0x80, 0x80, 0x80, 0x80, 0x01],
  ];
  const nonCanonical = [
    [0x85, 0x00],
    [0x85, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00],
  ];
  const results = await Promise.all([
    ...[...over32Bits, ...nonCanonical].map((prefix) =>
      postProto('/v1/traces', spanWithNameLengthPrefix(service, prefix)),
    ),
    postJson('/v1/traces', jsonTraces(`${service}-neighbour`, [jsonSpan('neighbour')])),
  ]);
  for (const res of results.slice(0, over32Bits.length)) {
    assert.equal(res.status, 400);
    assert.match(
      decodeRpcStatus(Buffer.from(await res.arrayBuffer())).message,
      /malformed protobuf traces request/,
    );
  }
  for (const res of results.slice(over32Bits.length)) {
    assert.equal(res.status, 200);
    await res.arrayBuffer();
  }
  const grpcResult = await grpc.export(GRPC_PATHS.traces, spanWithNameLengthPrefix(service, over32Bits[0]!));
  assert.equal(grpcResult.error?.code, status.INVALID_ARGUMENT);

  const rows = await waitForRows<{ SpanName: string }>(
    spy,
    `SELECT SpanName FROM otel_traces WHERE ServiceName = '${service}'`,
    (r) => r.length >= nonCanonical.length,
  );
  assert.deepEqual(
    rows.map((r) => r.SpanName),
    ['hello', 'hello'],
    'the names are read back intact',
  );
  await waitForRows<{ n: number }>(
    spy,
    `SELECT count() AS n FROM otel_traces WHERE ServiceName = '${service}-neighbour'`,
    (r) => Number(r[0]?.n) === 1,
  );
  await storeSentinel();
  assert.equal(await count('otel_traces', service), nonCanonical.length);
  assert.equal(spy.gateway.stats().deadLetterBatches, 0, 'no batch was refused by the store');
});

test('the process is still healthy after all of the above', async () => {
  const service = 'still-alive';
  const res = await postJson('/v1/traces', jsonTraces(service, [jsonSpan('http')]));
  assert.equal(res.status, 200);
  const r = await grpc.export(
    GRPC_PATHS.traces,
    otlpJsonToProto('traces', jsonTraces(service, [jsonSpan('grpc')])),
  );
  assert.equal(r.error, null);
  assert.equal(r.response?.length, 0, 'full success: an empty ExportTraceServiceResponse');
  await waitForRows<{ n: number }>(
    spy,
    `SELECT count() AS n FROM otel_traces WHERE ServiceName = '${service}'`,
    (rows) => Number(rows[0]?.n) === 2,
  );
  const deadline = Date.now() + 10_000;
  while (spy.gateway.stats().queuedBatches > 0 && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
  assert.equal(spy.gateway.stats().queuedBatches, 0, 'the pipeline drains');
});
