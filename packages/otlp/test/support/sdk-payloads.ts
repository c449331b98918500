import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';

/** ExportTraceServiceRequest payloads as the real OTel JS SDK serialises them. */
export async function sdkTraceRequests(): Promise<Buffer[]> {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'sdk-svc', 'service.version': '1.0.0', 'host.cores': 2 }),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const tracer = provider.getTracer('scope-a', '1.2.3');
  const parent = tracer.startSpan('parent', { kind: SpanKind.SERVER, attributes: { 'http.method': 'GET', 'http.status_code': 500 } });
  const child = tracer.startSpan(
    'child',
    {
      kind: SpanKind.CLIENT,
      attributes: { s: 'x', i: 7, d: 1.5, b: false, arr: ['a', 'b'], nums: [1, 2], big: 1e21, small: 1e-7 },
      links: [{ context: { traceId: 'c'.repeat(32), spanId: 'd'.repeat(16), traceFlags: 1 }, attributes: { k: 'v' } }],
    },
    trace.setSpan(context.active(), parent),
  );
  child.addEvent('evt', { 'event.attr': 'yes', n: 3 });
  child.recordException(new Error('kaboom'));
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'failed' });
  child.end();
  parent.end();
  await provider.forceFlush();
  const spans = exporter.getFinishedSpans();
  const one = ProtobufTraceSerializer.serializeRequest(spans);
  const each = spans.map((s) => ProtobufTraceSerializer.serializeRequest([s]));
  await provider.shutdown();
  return [one, ...each].filter((b): b is Uint8Array => b !== undefined).map((b) => Buffer.from(b));
}
