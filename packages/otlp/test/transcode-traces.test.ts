import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecodeError, decodeTracesProto, mapTraces, transcodeTracesProto } from '../src/index.ts';
import { buildTraceRequest } from '../../../test/support/trace-request.ts';
import { lenField, tag, varint } from './support/otlp-json-to-proto.ts';
import { sdkTraceRequests } from './support/sdk-payloads.ts';

/** The fast path must produce exactly the rows of the general decoder + mapper. */
function assertSameRows(body: Buffer, label: string): void {
  let expected: ReturnType<typeof mapTraces> | DecodeError;
  let actual: ReturnType<typeof mapTraces> | DecodeError;
  try {
    expected = mapTraces(decodeTracesProto(body));
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err;
    expected = err;
  }
  try {
    actual = transcodeTracesProto(body);
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err;
    actual = err;
  }
  if (expected instanceof DecodeError || actual instanceof DecodeError) {
    // The fast path may be more lenient about malformed content it never reads,
    // but it must never accept what it then maps differently.
    if (!(actual instanceof DecodeError)) assert.ok(expected instanceof DecodeError);
    return;
  }
  assert.equal(actual.accepted, expected.accepted, `${label}: accepted`);
  assert.equal(actual.rejected, expected.rejected, `${label}: rejected`);
  assert.deepEqual(actual.errors, expected.errors, `${label}: messages`);
  assert.equal(actual.tables.length, expected.tables.length, `${label}: tables`);
  if (actual.tables[0]) assert.ok(actual.tables[0].body.equals(expected.tables[0]!.body), `${label}: identical RowBinary`);
}

test('the traces fast path matches the general path on real SDK payloads', async () => {
  const payloads = await sdkTraceRequests();
  assert.ok(payloads.length > 0);
  for (const [i, body] of payloads.entries()) assertSameRows(body, `sdk payload ${i}`);
});

test('the traces fast path matches the general path on generated load payloads', () => {
  for (let seed = 0; seed < 20; seed++) assertSameRows(buildTraceRequest({ service: 's', spans: 50, seed }).body, `seed ${seed}`);
});

test('the traces fast path agrees with the general path on mutated payloads (valid UTF-8 aside)', async () => {
  const [base] = await sdkTraceRequests();
  let state = 42;
  const rand = () => ((state = (state * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (let i = 0; i < 3000; i++) {
    const body = Buffer.from(base!);
    const flips = 1 + Math.floor(rand() * 3);
    for (let f = 0; f < flips; f++) {
      const pos = Math.floor(rand() * body.length);
      body[pos] = Math.floor(rand() * 256);
    }
    // Invalid UTF-8 is copied as bytes by the fast path but replaced by the general one; skip such inputs.
    if (!isUtf8Safe(body)) continue;
    assertSameRows(body, `mutation ${i}`);
  }
});

/** A request of one resource, one scope and one valid span, from their encoded messages. */
function request(o: { resource?: Buffer; scope?: Buffer; spanAttributes?: Buffer[] }): Buffer {
  const span = Buffer.concat([
    lenField(1, Buffer.alloc(16, 1)),
    lenField(2, Buffer.alloc(8, 2)),
    lenField(5, Buffer.from('s')),
    ...(o.spanAttributes ?? []).map((kv) => lenField(9, kv)),
  ]);
  const scopeSpans = Buffer.concat([o.scope ? lenField(1, o.scope) : Buffer.alloc(0), lenField(2, span)]);
  return lenField(1, Buffer.concat([o.resource ? lenField(1, o.resource) : Buffer.alloc(0), lenField(2, scopeSpans)]));
}
const keyValue = (key: Buffer, anyValue?: Buffer) => Buffer.concat([lenField(1, key), anyValue ? lenField(2, anyValue) : Buffer.alloc(0)]);
const stringValue = (s: Buffer) => lenField(1, s);
/** A string field whose length 0 < n < 128 is written in two bytes (legal, but not minimal). */
const longPrefixString = (field: number, s: Buffer) => Buffer.concat([tag(field, 2), Buffer.from([0x80 | s.length, 0x00]), s]);

test('resource and scope come out as the decoder renders them: invalid UTF-8, non-minimal lengths, odd values', () => {
  const invalid = Buffer.from([0x61, 0xff, 0x62]);
  const resources: Array<[string, Buffer]> = [
    ['invalid UTF-8 value', lenField(1, keyValue(Buffer.from('service.name'), stringValue(invalid)))],
    ['invalid UTF-8 key', lenField(1, keyValue(Buffer.from([0xc3]), stringValue(Buffer.from('v'))))],
    ['valid non-ASCII', lenField(1, keyValue(Buffer.from('clé'), stringValue(Buffer.from('sérvice ✓'))))],
    ['non-minimal key length', lenField(1, Buffer.concat([longPrefixString(1, Buffer.from('service.name')), lenField(2, stringValue(Buffer.from('x')))]))],
    ['non-minimal value length', lenField(1, keyValue(Buffer.from('k'), longPrefixString(1, Buffer.from('v'))))],
    [
      'service.name twice, first not a string',
      Buffer.concat([
        lenField(1, keyValue(Buffer.from('service.name'), Buffer.concat([tag(3, 0), varint(42n)]))),
        lenField(1, keyValue(Buffer.from('service.name'), stringValue(Buffer.from('second')))),
      ]),
    ],
    ['negative int', lenField(1, keyValue(Buffer.from('n'), Buffer.concat([tag(3, 0), varint(2n ** 64n - 5n)])))],
    ['no value, empty value, empty KeyValue', Buffer.concat([lenField(1, keyValue(Buffer.from('a'))), lenField(1, keyValue(Buffer.from('b'), Buffer.alloc(0))), lenField(1, Buffer.alloc(0))])],
    ['a value of two fields', lenField(1, keyValue(Buffer.from('k'), Buffer.concat([stringValue(Buffer.from('s')), tag(2, 0), varint(1n)])))],
  ];
  for (const [label, resource] of resources) {
    assert.equal(transcodeTracesProto(request({ resource })).accepted, 1, `resource: ${label}: stored`);
    assertSameRows(request({ resource }), `resource: ${label}`);
  }
  const scopes: Array<[string, Buffer]> = [
    ['invalid UTF-8 name', lenField(1, invalid)],
    ['non-minimal version length', Buffer.concat([lenField(1, Buffer.from('n')), longPrefixString(2, Buffer.from('1.0'))])],
    ['non-ASCII name, attributes, dropped count', Buffer.concat([lenField(1, Buffer.from('scopé')), lenField(3, keyValue(Buffer.from('k'))), tag(4, 0), varint(2n)])],
  ];
  for (const [label, scope] of scopes) {
    assert.equal(transcodeTracesProto(request({ scope })).accepted, 1, `scope: ${label}: stored`);
    assertSameRows(request({ scope }), `scope: ${label}`);
  }
});

test('a KeyValue that only looks like the short string layout is refused', () => {
  // Value length 0x80 0x0a (1280, past the KeyValue), then bytes that would fit a 126-byte string.
  const lookAlike = Buffer.concat([Buffer.from([0x0a, 0x01, 0x6b, 0x12, 0x80, 0x0a, 0x7e]), Buffer.alloc(126, 0x61)]);
  assert.throws(() => transcodeTracesProto(request({ spanAttributes: [lookAlike] })), /length 1280 at byte \d+ runs past the end of its message/);
  assert.throws(() => transcodeTracesProto(request({ resource: lenField(1, lookAlike) })), /length 1280 at byte \d+ runs past the end of its message/);
  // The largest true instance (a 125-byte string) is stored.
  const largest = Buffer.concat([Buffer.from([0x0a, 0x01, 0x6b, 0x12, 0x7f, 0x0a, 0x7d]), Buffer.alloc(125, 0x61)]);
  assertSameRows(request({ resource: lenField(1, largest), spanAttributes: [largest] }), 'largest short string');
});

function isUtf8Safe(body: Buffer): boolean {
  return Buffer.from(body.toString('utf8'), 'utf8').equals(body);
}
