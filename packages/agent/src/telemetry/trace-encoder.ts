import { SpanStatusCode, type HrTime } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { writeAttributes } from './attribute-encoding.ts';
import type { ProtobufWriter } from './protobuf-writer.ts';
import { PooledSpanContext, RecordingSpan } from './recording-span.ts';

/**
 * ReadableSpans to an OTLP ExportTraceServiceRequest (protobuf), grouped by
 * resource and instrumentation scope, written straight into one buffer.
 * Field numbers are those of opentelemetry/proto/trace/v1/trace.proto.
 */
export function encodeTraceRequest(spans: readonly ReadableSpan[], w: ProtobufWriter): Buffer {
  w.reset();
  const byResource = new Map<object, Map<string, ReadableSpan[]>>();
  for (const span of spans) {
    let scopes = byResource.get(span.resource);
    if (!scopes) byResource.set(span.resource, (scopes = new Map()));
    const scope = span.instrumentationScope;
    const key = `${scope.name}\u0000${scope.version ?? ''}\u0000${scope.schemaUrl ?? ''}`;
    let list = scopes.get(key);
    if (!list) scopes.set(key, (list = []));
    list.push(span);
  }
  for (const [, scopes] of byResource) {
    const rs = w.begin(1); // ResourceSpans
    const first = scopes.values().next().value![0]!;
    const resource = w.begin(1); // Resource
    writeAttributes(w, 1, first.resource.attributes);
    w.end(resource);
    for (const [, list] of scopes) {
      const ss = w.begin(2); // ScopeSpans
      const scope = list[0]!.instrumentationScope;
      const sc = w.begin(1); // InstrumentationScope
      w.string(1, scope.name);
      w.string(2, scope.version ?? '');
      w.end(sc);
      for (const span of list) writeSpan(w, span);
      w.string(3, scope.schemaUrl ?? '');
      w.end(ss);
    }
    w.end(rs);
  }
  return w.finish();
}

/** One span as a ScopeSpans.spans field (2). */
export function writeSpan(w: ProtobufWriter, span: ReadableSpan): void {
  const at = w.begin(2); // ScopeSpans.spans
  const ctx = span.spanContext();
  if (ctx instanceof PooledSpanContext) {
    // The ids' bytes as drawn (the agent's own spans): copied, not parsed back from hex.
    w.bytesField(1, ctx.traceBytes, ctx.traceAt, 16);
    w.bytesField(2, ctx.spanBytes, ctx.spanAt, 8);
  } else {
    w.hexBytes(1, ctx.traceId);
    w.hexBytes(2, ctx.spanId);
  }
  w.string(3, ctx.traceState?.serialize() ?? '');
  const parent = span.parentSpanContext;
  if (parent instanceof PooledSpanContext) w.bytesField(4, parent.spanBytes, parent.spanAt, 8);
  else if (parent?.spanId) w.hexBytes(4, parent.spanId);
  w.string(5, span.name);
  w.tag(6, 0);
  w.varint(span.kind + 1); // OTLP kinds start at 1 (INTERNAL); the API's at 0
  let droppedAttributes: number;
  if (span instanceof RecordingSpan) {
    // Its times are milliseconds: written as they are, without the HrTime arrays.
    w.fixed64Millis(7, span.startMs);
    w.fixed64Millis(8, span.endMs);
    // Its attributes may be kept in its own form (HttpServerSpan): it writes them itself.
    droppedAttributes = span.writeAttributes(w, 9);
  } else {
    w.fixed64Time(7, span.startTime as HrTime);
    w.fixed64Time(8, span.endTime as HrTime);
    writeAttributes(w, 9, span.attributes);
    droppedAttributes = span.droppedAttributesCount;
  }
  if (droppedAttributes) {
    w.tag(10, 0);
    w.varint(droppedAttributes);
  }
  for (const event of span.events) {
    const e = w.begin(11);
    w.fixed64Time(1, event.time as HrTime);
    w.string(2, event.name);
    if (event.attributes) writeAttributes(w, 3, event.attributes);
    w.end(e);
  }
  if (span.droppedEventsCount) {
    w.tag(12, 0);
    w.varint(span.droppedEventsCount);
  }
  for (const link of span.links) {
    const l = w.begin(13);
    w.hexBytes(1, link.context.traceId);
    w.hexBytes(2, link.context.spanId);
    w.string(3, link.context.traceState?.serialize() ?? '');
    if (link.attributes) writeAttributes(w, 4, link.attributes);
    w.fixed32(6, 0x100 | (link.context.traceFlags & 0xff));
    w.end(l);
  }
  if (span.droppedLinksCount) {
    w.tag(14, 0);
    w.varint(span.droppedLinksCount);
  }
  if (span.status.code !== SpanStatusCode.UNSET || span.status.message) {
    const s = w.begin(15);
    w.string(2, span.status.message ?? '');
    if (span.status.code !== SpanStatusCode.UNSET) {
      w.tag(3, 0);
      w.varint(span.status.code);
    }
    w.end(s);
  }
  // flags: trace flags, and bit 8 "has is_remote" (+ bit 9 when the parent is remote)
  w.fixed32(16, (ctx.traceFlags & 0xff) | 0x100 | (span.parentSpanContext?.isRemote ? 0x200 : 0));
  w.end(at);
}
