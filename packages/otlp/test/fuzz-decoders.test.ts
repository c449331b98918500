import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DecodeError, decodeRequest, decodeTracesProto, mapTraces, type Encoding, type MappedRequest, type Signal } from '@spyglass/otlp';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { AggregationType, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import {
  JsonLogsSerializer,
  JsonMetricsSerializer,
  JsonTraceSerializer,
  ProtobufLogsSerializer,
  ProtobufMetricsSerializer,
  ProtobufTraceSerializer,
} from '@opentelemetry/otlp-transformer';
import { lenField, otlpJsonToProto, tag, varint } from './support/otlp-json-to-proto.ts';
import { readRowBinary, type Row } from './support/row-binary-reader.ts';

/**
 * Deterministic fuzzing of `decodeRequest`. The contract: for ANY input it
 * either returns a MappedRequest or throws DecodeError (which the receivers
 * turn into 400 / INVALID_ARGUMENT). Any other exception would be a 500 or,
 * worse, a crash of the receiver: a bug.
 */

const SIGNALS: Signal[] = ['traces', 'logs', 'metrics'];
const ENCODINGS: Encoding[] = ['protobuf', 'json'];

/** mulberry32: a tiny seeded PRNG, so any failure is reproducible. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Fuzzer {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
}

interface Outcome {
  ok: number;
  decodeErrors: number;
  failures: string[];
}

/** Runs one input through the decoder, recording any contract violation with a reproducer. */
function run(o: Outcome, signal: Signal, encoding: Encoding, body: Buffer, what: string): MappedRequest | undefined {
  let mapped: MappedRequest;
  try {
    mapped = decodeRequest(signal, encoding, body);
  } catch (err) {
    if (err instanceof DecodeError) {
      o.decodeErrors++;
      if (typeof err.message !== 'string' || err.message === '') o.failures.push(`${signal}/${encoding} ${what}: DecodeError without a message`);
      return undefined;
    }
    const e = err as Error;
    o.failures.push(`${signal}/${encoding} ${what}: ${e?.name}: ${e?.message}\n  input (base64): ${body.toString('base64').slice(0, 2000)}`);
    return undefined;
  }
  o.ok++;
  const problems = checkMapped(mapped);
  if (problems) o.failures.push(`${signal}/${encoding} ${what}: inconsistent result: ${problems}\n  input (base64): ${body.toString('base64').slice(0, 2000)}`);
  return mapped;
}

/**
 * Structural sanity of a MappedRequest: counts add up, and every body is
 * well-formed RowBinary holding exactly `count` rows of its columns (a
 * malformed body would make the store refuse the whole shared batch).
 */
function checkMapped(m: MappedRequest): string | undefined {
  if (!Array.isArray(m.tables)) return 'tables is not an array';
  let rows = 0;
  for (const t of m.tables) {
    if (!(t.count > 0)) return `table ${t.table} with ${t.count} rows`;
    if (!t.table.startsWith('otel_')) return `unexpected table ${t.table}`;
    try {
      readRowBinary(t.body, t.columns, t.count);
    } catch (err) {
      return `table ${t.table}: malformed RowBinary: ${(err as Error).message}`;
    }
    rows += t.count;
  }
  if (rows !== m.accepted) return `accepted ${m.accepted} but ${rows} rows`;
  if (!Number.isInteger(m.rejected) || m.rejected < 0) return `rejected ${m.rejected}`;
  if (m.rejected > 0 && m.errors.length === 0) return 'rejections without a message';
  return undefined;
}

function report(o: Outcome): void {
  assert.deepEqual(o.failures.slice(0, 5), [], `${o.failures.length} contract violations (first 5 shown)`);
}

// ---------------------------------------------------------------- seed corpus

/** Real requests, serialized by the OpenTelemetry JS SDK's own OTLP serializers, plus hand-written ones. */
const corpus: Record<Signal, Record<Encoding, Buffer[]>> = {
  traces: { protobuf: [], json: [] },
  logs: { protobuf: [], json: [] },
  metrics: { protobuf: [], json: [] },
};

class CollectingReader extends MetricReader {
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

const bytesOf = (u: Uint8Array | undefined): Buffer => {
  assert.ok(u, 'the serializer produced bytes');
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength);
};

before(async () => {
  const resource = resourceFromAttributes({ 'service.name': 'fuzz', 'service.version': '1.0.0', 'host.cores': 4, 'flag': true });

  // Traces
  const spanExporter = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor({ exporter: spanExporter })] });
  const tracer = tracerProvider.getTracer('fuzz-tracer', '0.1.0');
  const parent = tracer.startSpan('parent', { kind: SpanKind.SERVER, attributes: { 'http.method': 'GET', 'n': 1, 'd': 2.5, 'arr': ['a', 'b'] } });
  const child = tracer.startSpan(
    'child',
    {
      kind: SpanKind.CLIENT,
      links: [{ context: { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1 }, attributes: { l: 1 } }],
      attributes: { 'bool.array': [true, false], 'neg': -42 },
    },
    trace.setSpan(ROOT_CONTEXT, parent),
  );
  child.addEvent('evt', { 'e.k': 'v', 'e.n': 3 });
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'failed' });
  child.end();
  parent.end();
  await tracerProvider.forceFlush();
  const spans = spanExporter.getFinishedSpans();
  assert.equal(spans.length, 2);
  corpus.traces.protobuf.push(bytesOf(ProtobufTraceSerializer.serializeRequest(spans)));
  corpus.traces.json.push(bytesOf(JsonTraceSerializer.serializeRequest(spans)));

  // Logs
  const logExporter = new InMemoryLogRecordExporter();
  const loggerProvider = new LoggerProvider({ resource, processors: [new SimpleLogRecordProcessor({ exporter: logExporter })] });
  const logger = loggerProvider.getLogger('fuzz-logger', '0.2.0', { attributes: { 'scope.k': 'v' } });
  logger.emit({
    body: 'hello',
    severityNumber: SeverityNumber.INFO,
    severityText: 'INFO',
    eventName: 'evt.name',
    attributes: { 'k': 'v', 'n': 1, 'bytes': new Uint8Array([1, 2, 3]), 'map': { a: [1, { b: 'c' }] } },
    context: trace.setSpanContext(ROOT_CONTEXT, { traceId: 'c'.repeat(32), spanId: 'd'.repeat(16), traceFlags: TraceFlags.SAMPLED }),
  });
  logger.emit({ body: { nested: { list: [1, 2.5, 'x', true, null] } }, severityNumber: SeverityNumber.ERROR });
  await loggerProvider.forceFlush();
  const records = logExporter.getFinishedLogRecords();
  assert.equal(records.length, 2);
  corpus.logs.protobuf.push(bytesOf(ProtobufLogsSerializer.serializeRequest(records)));
  corpus.logs.json.push(bytesOf(JsonLogsSerializer.serializeRequest(records)));

  // Metrics
  const reader = new CollectingReader();
  const meterProvider = new MeterProvider({
    resource,
    readers: [reader],
    views: [{ instrumentName: 'exp', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }],
  });
  const meter = meterProvider.getMeter('fuzz-meter', '0.3.0');
  meter.createCounter('counter').add(3, { a: 'b' });
  meter.createUpDownCounter('updown').add(-2);
  meter.createObservableGauge('gauge').addCallback((r) => r.observe(1.5, { g: 1 }));
  const h = meter.createHistogram('hist', { advice: { explicitBucketBoundaries: [1, 10] } });
  for (const v of [0.5, 5, 50]) h.record(v);
  const e = meter.createHistogram('exp');
  for (const v of [0, 1, 3, 100, 1e6]) e.record(v);
  const { resourceMetrics } = await reader.collect();
  corpus.metrics.protobuf.push(bytesOf(ProtobufMetricsSerializer.serializeRequest(resourceMetrics)));
  corpus.metrics.json.push(bytesOf(JsonMetricsSerializer.serializeRequest(resourceMetrics)));
  await Promise.all([tracerProvider.shutdown(), loggerProvider.shutdown(), meterProvider.shutdown()]);

  // What the JS SDK cannot produce: summaries, exemplars, negative buckets, odd enums.
  const handWritten = {
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'fuzz' } }] },
        scopeMetrics: [
          {
            scope: { name: 's', attributes: [{ key: 'k', value: { kvlistValue: { values: [{ key: 'x', value: { intValue: '1' } }] } } }] },
            metrics: [
              { name: 'sum', summary: { dataPoints: [{ timeUnixNano: '1', count: '2', sum: 3, quantileValues: [{ quantile: 0.5, value: 1 }] }] } },
              {
                name: 'g',
                gauge: {
                  dataPoints: [
                    {
                      asInt: '-5',
                      exemplars: [{ asDouble: 1, traceId: 'e'.repeat(32), spanId: 'f'.repeat(16), filteredAttributes: [{ key: 'u', value: { stringValue: 'v' } }] }],
                    },
                  ],
                },
              },
              {
                name: 'x',
                exponentialHistogram: {
                  aggregationTemporality: 1,
                  dataPoints: [{ count: '3', scale: -2, zeroCount: '1', positive: { offset: -1, bucketCounts: ['1'] }, negative: { offset: 2, bucketCounts: ['1'] } }],
                },
              },
            ],
          },
        ],
      },
    ],
  };
  corpus.metrics.json.push(Buffer.from(JSON.stringify(handWritten)));
  corpus.metrics.protobuf.push(otlpJsonToProto('metrics', handWritten));
});

test('the seed corpus (real SDK output) decodes and maps cleanly', () => {
  for (const signal of SIGNALS) {
    for (const encoding of ENCODINGS) {
      for (const body of corpus[signal][encoding]) {
        const m = decodeRequest(signal, encoding, body);
        assert.ok(m.accepted > 0, `${signal}/${encoding}: rows produced`);
        assert.equal(m.rejected, 0, `${signal}/${encoding}: nothing rejected (${m.errors.join('; ')})`);
        assert.equal(checkMapped(m), undefined);
      }
    }
  }
  // The two SDK encodings of the same data give the same rows.
  for (const signal of ['traces', 'logs'] as const) {
    assert.deepEqual(
      decodeRequest(signal, 'json', corpus[signal].json[0]!),
      decodeRequest(signal, 'protobuf', corpus[signal].protobuf[0]!),
      `${signal}: the SDK's JSON and protobuf encodings map to identical rows`,
    );
  }
});

test('fuzz: random bytes never crash the decoders', () => {
  const f = new Fuzzer(0xc0ffee);
  const o: Outcome = { ok: 0, decodeErrors: 0, failures: [] };
  const jsonTokens = ['{', '}', '[', ']', ',', ':', '"resourceSpans"', '"resourceLogs"', '"resourceMetrics"', '"scopeSpans"', '"spans"',
    '"attributes"', '"value"', '"intValue"', '"arrayValue"', '"values"', '"key"', '"traceId"', 'null', 'true', '1e400', '-0', '"\\ud800"', '"x"', '0'];
  for (const signal of SIGNALS) {
    for (let i = 0; i < 600; i++) {
      const len = f.pick([0, 1, 2, 3, 5, 8, 16, 64, 256, 1024]);
      const body = f.bytes(len);
      // Bias some inputs towards plausible tags: field 1, wire type 2.
      if (len > 0 && f.next() < 0.5) body[0] = 0x0a;
      run(o, signal, 'protobuf', body, `random#${i}`);
      run(o, signal, 'json', body, `random#${i}`);
      let text = '';
      for (let t = f.int(40); t > 0; t--) text += f.pick(jsonTokens);
      run(o, signal, 'json', Buffer.from(text), `tokens#${i}`);
    }
  }
  report(o);
  assert.ok(o.decodeErrors > 3000, 'random input is refused as malformed');
});

/** Byte-level mutations of a valid protobuf/JSON body. */
function mutateBytes(f: Fuzzer, src: Buffer): Buffer {
  let b = Buffer.from(src);
  for (let n = 1 + f.int(3); n > 0; n--) {
    const at = f.int(b.length + 1);
    switch (f.int(7)) {
      case 0: // bit flip
        if (b.length > 0) b[Math.min(at, b.length - 1)]! ^= 1 << f.int(8);
        break;
      case 1: // truncation
        b = b.subarray(0, at);
        break;
      case 2: // inserted random bytes
        b = Buffer.concat([b.subarray(0, at), f.bytes(1 + f.int(8)), b.subarray(at)]);
        break;
      case 3: {
        // duplicated region
        const len = f.int(Math.max(1, b.length - at));
        b = Buffer.concat([b.subarray(0, at + len), b.subarray(at, at + len), b.subarray(at + len)]);
        break;
      }
      case 4: // deleted region
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + f.int(16))]);
        break;
      case 5: // byte set to an interesting value
        if (b.length > 0) b[Math.min(at, b.length - 1)] = f.pick([0x00, 0x7f, 0x80, 0xff, 0x0a, 0x12, 0x09, 0x0d, 0x0f]);
        break;
      default: // a run of continuation bytes (endless varints)
        b = Buffer.concat([b.subarray(0, at), Buffer.alloc(1 + f.int(12), 0xff), b.subarray(at)]);
    }
  }
  return b;
}

test('fuzz: mutated SDK protobuf payloads either decode or raise DecodeError', () => {
  const f = new Fuzzer(42);
  const o: Outcome = { ok: 0, decodeErrors: 0, failures: [] };
  for (const signal of SIGNALS) {
    for (const seed of corpus[signal].protobuf) {
      for (let i = 0; i < 4000; i++) run(o, signal, 'protobuf', mutateBytes(f, seed), `mutation#${i}`);
    }
  }
  report(o);
  assert.ok(o.ok > 0 && o.decodeErrors > 0, `both outcomes occur (ok ${o.ok}, refused ${o.decodeErrors})`);
});

/** A random JSON value of the kinds that confuse typed readers. */
function weirdJson(f: Fuzzer, corpusNode: () => unknown): unknown {
  return f.pick<() => unknown>([
    () => null,
    () => true,
    () => 0,
    () => -1,
    () => 1.5,
    () => 1e300,
    () => -1e300,
    () => 2 ** 53 + 2,
    () => 'NaN',
    () => 'Infinity',
    () => '',
    () => 'abc',
    () => '\ud800',
    () => '9223372036854775808',
    () => '18446744073709551616',
    () => '-9223372036854775809',
    () => '0x10',
    () => ' 12',
    () => [],
    () => [1, 'a', null],
    () => ({}),
    () => ({ stringValue: 'x' }),
    () => ({ arrayValue: { values: [{ intValue: '1' }] } }),
    () => ({ kvlistValue: { values: 'x' } }),
    () => ({ __proto__: { polluted: true } }),
    () => ({ constructor: 1, toString: 2, hasOwnProperty: 3 }),
    corpusNode,
  ])();
}

/** Structure-aware mutation: replace, delete or rename a random node of the parsed JSON. */
function mutateJson(f: Fuzzer, src: unknown): string {
  const root = structuredClone(src);
  const slots: Array<{ parent: Record<string, unknown> | unknown[]; key: string | number }> = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) {
      v.forEach((x, i) => {
        slots.push({ parent: v, key: i });
        walk(x);
      });
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        slots.push({ parent: v as Record<string, unknown>, key: k });
        walk(x);
      }
    }
  };
  walk(root);
  const anyNode = () => {
    const s = f.pick(slots);
    return structuredClone((s.parent as Record<string | number, unknown>)[s.key]);
  };
  for (let n = 1 + f.int(3); n > 0 && slots.length > 0; n--) {
    const { parent, key } = f.pick(slots);
    const p = parent as Record<string | number, unknown>;
    const action = f.int(10);
    if (action < 7) p[key] = weirdJson(f, anyNode);
    else if (action < 9 && !Array.isArray(parent)) {
      const value = p[key];
      delete p[key];
      // snake_case twin or a stray key
      p[f.next() < 0.5 ? String(key).replace(/[A-Z]/g, (c) => '_' + c.toLowerCase()) : `${String(key)}X`] = value;
    } else if (Array.isArray(parent)) parent.push(weirdJson(f, anyNode));
    else delete p[key];
  }
  return JSON.stringify(root);
}

test('fuzz: mutated SDK OTLP/JSON payloads either decode or raise DecodeError', () => {
  const f = new Fuzzer(7);
  const o: Outcome = { ok: 0, decodeErrors: 0, failures: [] };
  for (const signal of SIGNALS) {
    for (const seed of corpus[signal].json) {
      const parsed = JSON.parse(seed.toString('utf8')) as unknown;
      for (let i = 0; i < 2500; i++) run(o, signal, 'json', Buffer.from(mutateJson(f, parsed)), `json-mutation#${i}`);
      for (let i = 0; i < 200; i++) run(o, signal, 'json', mutateBytes(f, seed), `byte-mutation#${i}`);
    }
  }
  report(o);
  assert.ok(o.ok > 0 && o.decodeErrors > 0, `both outcomes occur (ok ${o.ok}, refused ${o.decodeErrors})`);
});

/**
 * The outcome of a decode as comparable data: the error kind, or the rows as
 * values. Rows are compared decoded (strings as UTF-8, invalid bytes becoming
 * U+FFFD): the transcoder copies protobuf string bytes as they are, while the
 * reference decodes them to JS strings first.
 */
function outcomeOf(decode: () => MappedRequest): { error: string } | { rows: unknown; accepted: number; rejected: number; errors: string[] } {
  let m: MappedRequest;
  try {
    m = decode();
  } catch (err) {
    return { error: err instanceof DecodeError ? 'DecodeError' : `${(err as Error).name}: ${(err as Error).message}` };
  }
  return {
    rows: m.tables.map((t) => ({ table: t.table, rows: readRowBinary(t.body, t.columns, t.count) })),
    accepted: m.accepted,
    rejected: m.rejected,
    errors: m.errors,
  };
}

test('differential fuzz: the traces protobuf transcoder agrees with decodeTracesProto + mapTraces', () => {
  const f = new Fuzzer(2024);
  const mismatches: string[] = [];
  let compared = 0;
  let lenient = 0;
  const seeds = [
    ...corpus.traces.protobuf,
    otlpJsonToProto('traces', {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'diff' } }, { key: 'n', value: { intValue: 5 } }] },
          scopeSpans: [
            {
              scope: { name: 'sc', version: '1' },
              spans: [
                {
                  traceId: 'ab'.repeat(16),
                  spanId: 'cd'.repeat(8),
                  parentSpanId: 'ef'.repeat(8),
                  traceState: 'a=b',
                  name: 'span',
                  kind: 3,
                  startTimeUnixNano: '1700000000000000000',
                  endTimeUnixNano: '1700000000000000100',
                  attributes: [
                    { key: 's', value: { stringValue: 'v' } },
                    { key: 'd', value: { doubleValue: 1e21 } },
                    { key: 'a', value: { arrayValue: { values: [{ boolValue: true }, { bytesValue: 'AQI=' }] } } },
                    { key: 'kv', value: { kvlistValue: { values: [{ key: 'x', value: { intValue: '-1' } }] } } },
                    { key: 'empty', value: {} },
                  ],
                  events: [{ timeUnixNano: '1700000000000000050', name: 'e', attributes: [{ key: 'ek', value: { stringValue: 'ev' } }] }],
                  links: [{ traceId: '12'.repeat(16), spanId: '34'.repeat(8), traceState: 't', attributes: [{ key: 'lk', value: { intValue: 1 } }] }],
                  status: { code: 2, message: 'm' },
                },
              ],
            },
          ],
        },
      ],
    }),
  ];
  for (const seed of seeds) {
    for (let i = 0; i < 3000; i++) {
      const body = mutateBytes(f, seed);
      const fast = outcomeOf(() => decodeRequest('traces', 'protobuf', body));
      const reference = outcomeOf(() => mapTraces(decodeTracesProto(body)));
      compared++;
      // Both must refuse, or both must produce the same rows. The transcoder is lazier
      // than the reference: it does not parse the events, links and attributes of a
      // span it rejects, nor the earlier copies of a repeated singular field (the last
      // one wins), so it may accept bytes the reference refuses. That is tolerated;
      // the opposite (refusing what the reference accepts) or different rows is not.
      if ('error' in fast && 'error' in reference) continue;
      if ('error' in reference && !('error' in fast)) {
        lenient++;
        continue;
      }
      try {
        assert.deepEqual(fast, reference);
      } catch {
        mismatches.push(`mutation#${i}: transcoder ${JSON.stringify(fast).slice(0, 300)}\n  reference ${JSON.stringify(reference).slice(0, 300)}\n  input (base64): ${body.toString('base64')}`);
      }
    }
  }
  assert.ok(compared > 0);
  assert.deepEqual(mismatches.slice(0, 3), [], `${mismatches.length} of ${compared} inputs decoded differently`);
  assert.ok(lenient < compared / 100, `the transcoder accepted ${lenient} of ${compared} inputs the reference refused`);
});

test('length prefixes must fit in 32 bits; non-canonical ones are fine and come out intact in RowBinary', () => {
  // A string field "hello" whose length (5) is written as `prefix`.
  const withPrefix = (fieldTag: number, prefix: number[]) => Buffer.concat([tag(fieldTag, 2), Buffer.from(prefix), Buffer.from('hello')]);
  const envelope = (item: Buffer) => lenField(1, lenField(2, lenField(2, item)));
  const requests = (prefix: number[]): Array<[Signal, Buffer, string]> => [
    ['traces', envelope(Buffer.concat([lenField(1, Buffer.alloc(16, 1)), lenField(2, Buffer.alloc(8, 2)), withPrefix(5, prefix)])), 'SpanName'],
    ['logs', envelope(withPrefix(3, prefix)), 'SeverityText'],
    ['metrics', envelope(Buffer.concat([withPrefix(1, prefix), lenField(5, lenField(1, Buffer.alloc(0)))])), 'MetricName'],
  ];
  for (const prefix of [[0x85, 0x80, 0x80, 0x80, 0x10], [0x85, 0x80, 0x80, 0x80, 0x80, 0x01], [0x85, 0xff, 0xff, 0xff, 0x7f]]) {
    for (const [signal, body] of requests(prefix)) {
      assert.throws(() => decodeRequest(signal, 'protobuf', body), DecodeError, `${signal}: length ${Buffer.from(prefix).toString('hex')} refused`);
    }
  }
  for (const prefix of [[0x05], [0x85, 0x00], [0x85, 0x80, 0x80, 0x80, 0x00], [0x85, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00]]) {
    for (const [signal, body, column] of requests(prefix)) {
      const m = decodeRequest(signal, 'protobuf', body);
      const t = m.tables[0];
      assert.ok(t, `${signal}: stored`);
      const [row] = readRowBinary(t.body, t.columns, t.count);
      assert.equal(row?.[column], 'hello', `${signal}: length ${Buffer.from(prefix).toString('hex')} read back as written`);
    }
  }
});

// ---------------------------------------------------------------- deep nesting

/** An AnyValue nested `depth` arrays deep around a string, built without recursion or quadratic copying. */
function nestedAnyValueProto(depth: number, kind: 'array' | 'kvlist'): Buffer {
  const leaf = lenField(1, Buffer.from('x'));
  // sizes[k] = byte size of the AnyValue at nesting level k (0 = leaf)
  const sizes = [leaf.length];
  const inner: number[] = [];
  for (let k = 1; k <= depth; k++) {
    // array: AnyValue{5: ArrayValue{1: AnyValue}}; kvlist: AnyValue{6: KeyValueList{1: KeyValue{1: "k", 2: AnyValue}}}
    const child = sizes[k - 1]!;
    const kvOrArrayItem = kind === 'array' ? 1 + varint(BigInt(child)).length + child : 3 + 1 + varint(BigInt(child)).length + child;
    const container = kind === 'array' ? kvOrArrayItem : 1 + varint(BigInt(kvOrArrayItem)).length + kvOrArrayItem;
    inner.push(kvOrArrayItem);
    sizes.push(1 + varint(BigInt(container)).length + container);
  }
  const parts: Buffer[] = [];
  for (let k = depth; k >= 1; k--) {
    const child = sizes[k - 1]!;
    const item = inner[k - 1]!;
    if (kind === 'array') {
      parts.push(tag(5, 2), varint(BigInt(item)), tag(1, 2), varint(BigInt(child)));
    } else {
      const container = 1 + varint(BigInt(item)).length + item;
      parts.push(tag(6, 2), varint(BigInt(container)), tag(1, 2), varint(BigInt(item)), lenField(1, Buffer.from('k')), tag(2, 2), varint(BigInt(child)));
    }
  }
  parts.push(leaf);
  const value = Buffer.concat(parts);
  assert.equal(value.length, sizes[depth], 'size bookkeeping');
  return value;
}

function nestedAnyValueJson(depth: number, kind: 'array' | 'kvlist'): string {
  const open = kind === 'array' ? '{"arrayValue":{"values":[' : '{"kvlistValue":{"values":[{"key":"k","value":';
  const close = kind === 'array' ? ']}}' : '}]}}';
  return open.repeat(depth) + '{"stringValue":"x"}' + close.repeat(depth);
}

/** A request of `signal` carrying `value` (an AnyValue) as an attribute value, and for logs also as the body. */
function requestWithValue(signal: Signal, encoding: Encoding, value: Buffer | string): Buffer {
  const id = (n: number) => 'ab'.repeat(n);
  if (encoding === 'json') {
    const attr = `{"key":"deep","value":${value as string}}`;
    const resource = '{"attributes":[{"key":"service.name","value":{"stringValue":"deep"}}]}';
    if (signal === 'traces') {
      return Buffer.from(
        `{"resourceSpans":[{"resource":${resource},"scopeSpans":[{"spans":[{"traceId":"${id(16)}","spanId":"${id(8)}","name":"s","attributes":[${attr}]}]}]}]}`,
      );
    }
    if (signal === 'logs') {
      return Buffer.from(`{"resourceLogs":[{"resource":${resource},"scopeLogs":[{"logRecords":[{"body":${value as string},"attributes":[${attr}]}]}]}]}`);
    }
    return Buffer.from(
      `{"resourceMetrics":[{"resource":${resource},"scopeMetrics":[{"metrics":[{"name":"m","gauge":{"dataPoints":[{"asDouble":1,"attributes":[${attr}]}]}}]}]}]}`,
    );
  }
  const anyValue = value as Buffer;
  const keyValue = Buffer.concat([lenField(1, Buffer.from('deep')), lenField(2, anyValue)]);
  const wrap = (item: Buffer) =>
    lenField(1, Buffer.concat([lenField(1, lenField(1, Buffer.concat([lenField(1, Buffer.from('service.name')), lenField(2, lenField(1, Buffer.from('deep')))]))), lenField(2, lenField(2, item))]));
  if (signal === 'traces') {
    return wrap(Buffer.concat([lenField(1, Buffer.from(id(16), 'hex')), lenField(2, Buffer.from(id(8), 'hex')), lenField(5, Buffer.from('s')), lenField(9, keyValue)]));
  }
  if (signal === 'logs') return wrap(Buffer.concat([lenField(5, anyValue), lenField(6, keyValue)]));
  const one = Buffer.alloc(8);
  one.writeDoubleLE(1);
  const point = Buffer.concat([tag(4, 1), one, lenField(7, keyValue)]);
  return wrap(Buffer.concat([lenField(1, Buffer.from('m')), lenField(5, lenField(1, point))]));
}

test('deeply nested AnyValues (depth 10 000) are a DecodeError, not a stack overflow', () => {
  for (const kind of ['array', 'kvlist'] as const) {
    const values: Record<Encoding, Buffer | string> = { protobuf: nestedAnyValueProto(10_000, kind), json: nestedAnyValueJson(10_000, kind) };
    for (const signal of SIGNALS) {
      for (const encoding of ENCODINGS) {
        const body = requestWithValue(signal, encoding, values[encoding]);
        assert.throws(
          () => decodeRequest(signal, encoding, body),
          (err: unknown) => err instanceof DecodeError && /nested deeper than \d+ levels/.test(err.message),
          `${signal}/${encoding}/${kind}: refused as too deeply nested`,
        );
      }
    }
  }
});

test('moderately nested AnyValues are kept, as JSON text, identically in both encodings', () => {
  for (const kind of ['array', 'kvlist'] as const) {
    const expected = kind === 'array' ? '['.repeat(10) + '"x"' + ']'.repeat(10) : '{"k":'.repeat(10) + '"x"' + '}'.repeat(10);
    for (const signal of SIGNALS) {
      const json = decodeRequest(signal, 'json', requestWithValue(signal, 'json', nestedAnyValueJson(10, kind)));
      const proto = decodeRequest(signal, 'protobuf', requestWithValue(signal, 'protobuf', nestedAnyValueProto(10, kind)));
      assert.equal(json.accepted, 1, `${signal}/${kind}: stored`);
      assert.deepEqual(proto, json, `${signal}/${kind}: same rows from both encodings`);
      const table = json.tables[0]!;
      const [row] = readRowBinary(table.body, table.columns, table.count) as [Row];
      const attributes = (row['SpanAttributes'] ?? row['LogAttributes'] ?? row['Attributes']) as Record<string, string>;
      assert.equal(attributes['deep'], expected, `${signal}/${kind}: rendered as JSON text`);
      if (signal === 'logs') assert.equal(row['Body'], expected, 'log body too');
    }
  }
});

test('fuzz stays fast: a large valid request decodes in well under a second', () => {
  const spans = Array.from({ length: 5000 }, (_, i) => ({
    traceId: (i + 1).toString(16).padStart(32, '0'),
    spanId: (i + 1).toString(16).padStart(16, '0'),
    name: `op-${i % 10}`,
    startTimeUnixNano: '1700000000000000000',
    endTimeUnixNano: '1700000000001000000',
    attributes: [{ key: 'i', value: { intValue: i } }],
  }));
  const request = { resourceSpans: [{ resource: {}, scopeSpans: [{ spans }] }] };
  const started = performance.now();
  const m = decodeRequest('traces', 'protobuf', otlpJsonToProto('traces', request));
  const ms = performance.now() - started;
  assert.equal(m.accepted, 5000);
  assert.ok(ms < 1000, `5000 spans decoded and mapped in ${ms.toFixed(0)} ms`);
});
