import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecodeError, decodeTracesProto, mapTraces, transcodeTracesProto } from '../src/index.ts';
import { buildTraceRequest } from '../../../test/support/trace-request.ts';
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

function isUtf8Safe(body: Buffer): boolean {
  return Buffer.from(body.toString('utf8'), 'utf8').equals(body);
}
