import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { decodeTracesProto } from '@spyglass/otlp';

type TracesData = ReturnType<typeof decodeTracesProto>;
import { ProtobufWriter } from '../src/telemetry/protobuf-writer.ts';
import { encodeTraceRequest } from '../src/telemetry/trace-encoder.ts';

/**
 * The agent's own OTLP trace encoder against the upstream serializer: both
 * encodings of the same spans decode (with the gateway's decoder) to the same
 * request. Covers every attribute type, long and non-ASCII strings, integers
 * on both sides of the short KeyValue form's bounds, events,
 * links, status, kinds, parents, two resources and several scopes.
 */
function makeSpans(): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const spans: ReadableSpan[] = [];
  for (const service of ['svc-a', 'svc-b']) {
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': service, 'process.pid': 42, 'host.arch': 'amd64' }),
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    for (const scope of ['scope-1', 'scope-2']) {
      const tracer = provider.getTracer(scope, '1.2.3');
      const parent = tracer.startSpan('parent', { kind: SpanKind.SERVER });
      const ctx = trace.setSpan(ROOT_CONTEXT, parent);
      const child: Span = tracer.startSpan(
        'chïld ✓ '.repeat(30),
        {
          kind: SpanKind.PRODUCER,
          attributes: {
            str: 'value',
            empty: '',
            unicode: 'żółć 日本 🚀',
            long: 'x'.repeat(5000),
            int: 12345,
            zero: 0,
            'one.byte': 127,
            'two.bytes': 128,
            'short.form.max': 2 ** 28 - 1,
            'long.form.min': 2 ** 28,
            ['k'.repeat(130)]: 5,
            negative: -7,
            big: 2 ** 40,
            double: 3.25,
            bool: false,
            strings: ['a', 'b', ''],
            numbers: [1, 2.5],
          },
          links: [{ context: parent.spanContext(), attributes: { 'link.attr': 'l' } }],
        },
        ctx,
      );
      child.addEvent('exception', { 'exception.message': 'boom', 'exception.type': 'Error' });
      child.setStatus({ code: SpanStatusCode.ERROR, message: 'it failed' });
      child.end();
      parent.setStatus({ code: SpanStatusCode.OK });
      parent.end();
    }
  }
  spans.push(...exporter.getFinishedSpans());
  return spans;
}

test('the agent encoder and the upstream serializer encode the same spans to the same OTLP request', () => {
  const spans = makeSpans();
  const ours = decodeTracesProto(Buffer.from(encodeTraceRequest(spans, new ProtobufWriter(16))));
  const upstream = decodeTracesProto(Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!));
  assert.equal(spans.length, 8);
  assert.equal(normalize(ours).length, 8);
  assert.deepEqual(normalize(ours), normalize(upstream));
});

test('a batch larger than the writer grows it, and a reused writer starts clean', () => {
  const spans = makeSpans();
  const writer = new ProtobufWriter(8);
  const first = Buffer.from(encodeTraceRequest(spans, writer));
  const second = Buffer.from(encodeTraceRequest(spans, writer));
  assert.deepEqual(first, second);
  assert.ok(first.length > 5000);
});

/** Order-insensitive view: the upstream groups differently but carries the same spans. */
function normalize(request: TracesData): string[] {
  const out: string[] = [];
  for (const group of request)
    for (const scope of group.scopes)
      for (const span of scope.items)
        out.push(
          JSON.stringify({ resource: group.resource, scope: scope.scope, span }, (_k, v: unknown) =>
            typeof v === 'bigint' ? v.toString() : v,
          ),
        );
  return out.sort();
}
