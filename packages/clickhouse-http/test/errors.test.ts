import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseError } from '@clickhouse/client';
import {
  ClickHouseHttpError,
  formatErrorBody,
  httpStatusForCode,
  toClickHouseHttpError,
} from '../src/errors.ts';
import { StoreError } from '@spyglass/store';

// Unit tests (no engine): error normalisation, bodies and statuses.

test("the engine's repeated prefixes and suffixes are folded into one ClickHouse error", () => {
  const err = toClickHouseHttpError(
    new StoreError(
      'Code: 73. DB::Exception: Code: 73. DB::Exception: Unknown format X. (UNKNOWN_FORMAT) (version 26.7.2.1). (UNKNOWN_FORMAT) (version 26.7.2.1). (UNKNOWN_FORMAT)',
      73,
      false,
    ),
  );
  assert.equal(err.code, 73);
  assert.equal(err.type, 'UNKNOWN_FORMAT');
  assert.equal(err.text, 'Unknown format X');
  assert.equal(
    formatErrorBody(err, '1.2.3'),
    'Code: 73. DB::Exception: Unknown format X. (UNKNOWN_FORMAT) (version 1.2.3)\n',
  );
});

test('errors without a ClickHouse code become UNKNOWN_EXCEPTION', () => {
  const err = toClickHouseHttpError(new Error('socket went away'));
  assert.equal(err.code, 1002);
  assert.equal(err.type, 'UNKNOWN_EXCEPTION');
  assert.equal(err.httpStatus, 500);
});

test('the body parses back with @clickhouse/client', () => {
  const body = formatErrorBody(
    new ClickHouseHttpError(164, 'default: Cannot execute query in readonly mode'),
    '26.7',
  );
  const parsed = parseError(body) as { code?: string; type?: string; message: string };
  assert.equal(parsed.code, '164');
  assert.equal(parsed.type, 'READONLY');
  assert.match(parsed.message, /^default: Cannot execute query in readonly mode/);
});

test('HTTP status by code', () => {
  assert.equal(httpStatusForCode(62), 400);
  assert.equal(httpStatusForCode(60), 404);
  assert.equal(httpStatusForCode(164), 403);
  assert.equal(httpStatusForCode(229), 413);
  assert.equal(httpStatusForCode(159), 408);
  assert.equal(httpStatusForCode(395), 500);
});
