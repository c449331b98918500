import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  addFilter,
  applyCompletion,
  completionContext,
  quoteValue,
  rankSuggestions,
} from '../src/lib/query-completion.ts';

test('the token at the cursor asks for a field, or for a value after field:', () => {
  assert.deepEqual(completionContext('serv', 4), {
    kind: 'field',
    prefix: 'serv',
    from: 0,
    to: 4,
    negated: false,
  });
  assert.deepEqual(completionContext('status:Error serv', 17), {
    kind: 'field',
    prefix: 'serv',
    from: 13,
    to: 17,
    negated: false,
  });
  assert.deepEqual(completionContext('service:pay', 11), {
    kind: 'value',
    field: 'service',
    prefix: 'pay',
    from: 0,
    to: 11,
    negated: false,
  });
  // Quoted values with spaces stay one token; comparisons and negation are understood.
  assert.deepEqual(completionContext('span:"POST /ch', 14), {
    kind: 'value',
    field: 'span',
    prefix: 'POST /ch',
    from: 0,
    to: 14,
    negated: false,
  });
  assert.equal(completionContext('duration:>25', 12)?.kind, 'value');
  assert.equal((completionContext('duration:>25', 12) as { prefix: string }).prefix, '25');
  assert.deepEqual(completionContext('-level:err', 10), {
    kind: 'value',
    field: 'level',
    prefix: 'err',
    from: 1,
    to: 10,
    negated: true,
  });
  assert.equal(completionContext('(a OR serv', 10)?.kind, 'field');
  assert.equal(
    completionContext('"a phrase with ser', 18),
    undefined,
    'inside a phrase: nothing to complete',
  );
  assert.equal(completionContext('a AND', 5), undefined, 'operators are not field names');
});

test('the cursor in the middle of a token replaces the whole token', () => {
  const ctx = completionContext('service:pa level:x', 9)!;
  assert.equal(ctx.kind, 'value');
  assert.equal(ctx.to, 10);
  assert.deepEqual(applyCompletion('service:pa level:x', ctx, 'payments'), {
    text: 'service:"payments" level:x',
    cursor: 19,
  });
});

test('choosing a field leaves the cursor after the colon; choosing a value quotes it and moves on', () => {
  const field = completionContext('status:Error serv', 17)!;
  assert.deepEqual(applyCompletion('status:Error serv', field, 'service'), {
    text: 'status:Error service:',
    cursor: 21,
  });
  const value = completionContext('-service:pa', 11)!;
  assert.deepEqual(applyCompletion('-service:pa', value, 'pay "x"'), {
    text: '-service:"pay \\"x\\"" ',
    cursor: 21,
  });
});

test('filters from clicked values are exact matches AND-ed to the search, OR searches parenthesised', () => {
  assert.equal(addFilter('', 'service', 'payments'), 'service:"payments"');
  assert.equal(addFilter('status:Error', 'http.route', '/charge'), 'status:Error http.route:"/charge"');
  assert.equal(addFilter('a OR b', 'service', 'web', true), '(a OR b) -service:"web"');
  assert.equal(quoteValue('C:\\path "x"'), '"C:\\\\path \\"x\\""');
});

test('suggestions that start with the prefix come before those that contain it', () => {
  assert.deepEqual(rankSuggestions(['http.route', 'service', 'ServiceName', 'user.service_tier'], 'serv'), [
    'service',
    'ServiceName',
    'user.service_tier',
  ]);
  assert.deepEqual(rankSuggestions(['a', 'b'], 'a'), [], 'an exact match needs no suggestion');
});
