import { SpanKind, type Attributes, type SpanContext } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { CaptureConfig } from '../config/agent-config.ts';
import { captureExchange } from '../capture/http-capture.ts';
import type { CapturedHeaders } from '../capture/header-capture.ts';
import type { PayloadCollector } from '../capture/payload-capture.ts';
import {
  ObjectSink,
  ProtobufSink,
  attributeKey,
  writeAttributes,
  type AttributeSink,
} from './attribute-encoding.ts';
import { writeServerRequest, type ServerRequestFacts } from './http-server-attributes.ts';
import type { ProtobufWriter } from './protobuf-writer.ts';
import { MAX_ATTRIBUTES, RecordingSpan, type SpanRecorder } from './recording-span.ts';

/** What the response adds to the span when it is done (see HttpServerSpan.noteResponse). */
export interface ServerResponseRecord {
  readonly status: number;
  readonly route: string | undefined;
  /** The capture rules of the moment, or undefined when nothing is captured. */
  readonly capture: CaptureConfig | undefined;
  readonly requestHeaders: CapturedHeaders | undefined;
  readonly responseHeaders: CapturedHeaders | undefined;
  readonly requestBody: PayloadCollector | undefined;
  readonly responseBody: PayloadCollector | undefined;
}

const STATUS = attributeKey('http.response.status_code');
const ROUTE = attributeKey('http.route');

/**
 * The HTTP server span: a RecordingSpan whose HTTP attributes stay in the
 * fixed-shape records they were read into (the request's when it arrives,
 * the response's when it is done), parsed and written to protobuf straight
 * from them when the span is encoded, header values as ranges of node:http's header block, without an
 * attributes object. Attributes set through the API (setAttribute, the
 * sampler's) are its own, as on any RecordingSpan, and replace an HTTP
 * attribute of the same name. Reading `attributes` (a span processor, an
 * exporter other than the agent's) builds the object, the same attributes
 * in the same order.
 */
export class HttpServerSpan extends RecordingSpan {
  #response: ServerResponseRecord | undefined;

  constructor(
    context: SpanContext,
    /** What was read of the request when it arrived. */
    readonly request: ServerRequestFacts,
    own: Attributes,
    parentSpanContext: SpanContext | undefined,
    scope: InstrumentationScope,
    recorder: SpanRecorder,
  ) {
    super(request.method, SpanKind.SERVER, context, own, parentSpanContext, scope, recorder);
  }

  /** The response's part, set once, just before the span ends. */
  noteResponse(response: ServerResponseRecord): void {
    if (this.isRecording()) this.#response = response;
  }

  override get attributes(): Attributes {
    const attributes: Attributes = {};
    const sink = new ObjectSink(attributes, MAX_ATTRIBUTES - ownCount(this.own));
    this.#write(sink);
    for (const key in this.own) attributes[key] = this.own[key];
    return attributes;
  }

  override writeAttributes(w: ProtobufWriter, field: number): number {
    const count = ownCount(this.own);
    const sink = new ProtobufSink(w, field, MAX_ATTRIBUTES - count, count > 0 ? this.own : undefined);
    this.#write(sink);
    if (count > 0) writeAttributes(w, field, this.own);
    return this.droppedAttributesCount + sink.dropped;
  }

  #write(sink: AttributeSink): void {
    writeServerRequest(this.request, sink);
    const response = this.#response;
    if (response === undefined) return;
    sink.int(STATUS, response.status);
    if (response.route !== undefined) sink.string(ROUTE, response.route);
    if (response.capture !== undefined)
      captureExchange(
        response.capture,
        response.requestHeaders,
        response.responseHeaders,
        response.requestBody,
        response.responseBody,
        sink,
      );
  }
}

function ownCount(own: Attributes): number {
  let count = 0;
  for (const _ in own) count++;
  return count;
}
