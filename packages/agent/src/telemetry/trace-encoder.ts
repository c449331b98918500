import { SpanStatusCode, type Attributes, type AttributeValue, type HrTime } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { ProtobufWriter } from './protobuf-writer.ts';
import { RecordingSpan } from './recording-span.ts';

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
    attributes(w, 1, first.resource.attributes);
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
  w.hexBytes(1, ctx.traceId);
  w.hexBytes(2, ctx.spanId);
  w.string(3, ctx.traceState?.serialize() ?? '');
  const parent = span.parentSpanContext?.spanId;
  if (parent) w.hexBytes(4, parent);
  w.string(5, span.name);
  w.tag(6, 0);
  w.varint(span.kind + 1); // OTLP kinds start at 1 (INTERNAL); the API's at 0
  if (span instanceof RecordingSpan) {
    // Its times are milliseconds: written as they are, without the HrTime arrays.
    w.fixed64Millis(7, span.startMs);
    w.fixed64Millis(8, span.endMs);
  } else {
    w.fixed64Time(7, span.startTime as HrTime);
    w.fixed64Time(8, span.endTime as HrTime);
  }
  attributes(w, 9, span.attributes);
  if (span.droppedAttributesCount) {
    w.tag(10, 0);
    w.varint(span.droppedAttributesCount);
  }
  for (const event of span.events) {
    const e = w.begin(11);
    w.fixed64Time(1, event.time as HrTime);
    w.string(2, event.name);
    if (event.attributes) attributes(w, 3, event.attributes);
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
    if (link.attributes) attributes(w, 4, link.attributes);
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

export function attributes(w: ProtobufWriter, field: number, attrs: Attributes): void {
  for (const key in attrs) {
    const value = attrs[key];
    if (value === undefined || value === null) continue;
    const kv = w.begin(field);
    keyField(w, key);
    anyValue(w, 2, value);
    w.end(kv);
  }
}

/**
 * KeyValue.key fields (tag, length, UTF-8 bytes) as encoded before, by key:
 * the same keys come back span after span, and copying their bytes is cheaper
 * than encoding the string again. Bounded, so that keys made up per span
 * (unusual) cannot grow it without limit; those are encoded each time.
 */
const KEY_FIELDS = new Map<string, Uint8Array>();
const MAX_KEY_FIELDS = 4096;
const MAX_CACHED_KEY = 128;

function keyField(w: ProtobufWriter, key: string): void {
  let field = KEY_FIELDS.get(key);
  if (field === undefined) {
    if (KEY_FIELDS.size >= MAX_KEY_FIELDS || key.length > MAX_CACHED_KEY) {
      w.string(1, key);
      return;
    }
    const scratch = new ProtobufWriter(key.length * 3 + 8);
    scratch.string(1, key);
    field = Uint8Array.from(scratch.finish());
    KEY_FIELDS.set(key, field);
  }
  w.small(field);
}

function anyValue(w: ProtobufWriter, field: number, value: AttributeValue | null | undefined): void {
  const av = w.begin(field);
  switch (typeof value) {
    case 'string':
      // an empty string still needs its field, or the value would read as unset
      if (value.length === 0) {
        w.tag(1, 2);
        w.varint(0);
      } else w.string(1, value);
      break;
    case 'boolean':
      w.tag(2, 0);
      w.varint(value ? 1 : 0);
      break;
    case 'number':
      if (Number.isInteger(value) && Number.isSafeInteger(value)) {
        w.tag(3, 0);
        w.varint(value);
      } else {
        w.double(4, value);
      }
      break;
    case 'object':
      if (Array.isArray(value)) {
        const arr = w.begin(5);
        for (const item of value) anyValue(w, 1, item as AttributeValue);
        w.end(arr);
      }
      break;
    default:
      break;
  }
  w.end(av);
}
