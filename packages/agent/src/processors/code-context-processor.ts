import { SpanKind, SpanStatusCode, type Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ConfigStore } from '../config/config-store.ts';
import {
  MAX_FRAMES,
  captureFrames,
  firstApplicationFrame,
  formatFrames,
  isApplicationFrame,
} from './call-site.ts';

/** Application frames kept below the first one, for code.stacktrace. */
const APPLICATION_FRAMES = 12;

const FRAMES = Symbol('spyglass.frames');
type WithFrames = { [FRAMES]?: NodeJS.CallSite[] };

/**
 * Where in the application a span started, and why it failed:
 * - on start of client and producer spans (those the application's own code
 *   triggers), `code.function.name`, `code.file.path`,
 *   `code.line.number`, `code.column.number` of the first application frame;
 * - just before the end (`onEnding`, while the span is still writable),
 *   `code.stacktrace` on error spans and, when configured, on slow spans.
 * Server and consumer spans start inside the framework, where the stack
 * holds no application frame; their failures carry the exception's own stack.
 */
export class CodeContextProcessor implements SpanProcessor {
  /** Per instrumentation scope and span name: how deep to capture (see onStart). */
  private readonly depths = new Map<string, number>();

  constructor(private readonly config: ConfigStore) {}

  onStart(span: Span, _parentContext: Context): void {
    const capture = this.config.capture;
    if (!capture.codeAttributes && !capture.stackTraces.onError && capture.stackTraces.slowSpanMs === 0)
      return;
    // Only spans the application's own code triggers; framework spans (server, consumer, middleware
    // layers) start inside the framework, where a stack would cost ~3 µs and hold no application frame.
    if (span.kind !== SpanKind.CLIENT && span.kind !== SpanKind.PRODUCER) return;
    // Capturing costs ~0.6 µs a frame, and the application frame sits at a depth that depends on the
    // library (about 15 frames for ioredis, 40 for fetch): each scope and span name learns its depth
    // and later spans capture only that far (plus room for the application's own stack), falling back
    // to the full depth when the frame moved.
    const scope = `${span.instrumentationScope.name}\u0000${span.name}`;
    if (this.depths.size > 2000) this.depths.clear();
    const learned = this.depths.get(scope);
    // eslint-disable-next-line @typescript-eslint/unbound-method -- only marks where the stack starts
    let frames = captureFrames(this.onStart, learned ?? MAX_FRAMES);
    let index = frames.findIndex(isApplicationFrame);
    if (index === -1 && learned !== undefined && frames.length >= learned) {
      // eslint-disable-next-line @typescript-eslint/unbound-method -- only marks where the stack starts
      frames = captureFrames(this.onStart, MAX_FRAMES);
      index = frames.findIndex(isApplicationFrame);
    }
    if (index === -1) {
      if (learned === undefined && frames.length < MAX_FRAMES) this.depths.set(scope, frames.length + 1);
      return;
    }
    this.depths.set(scope, Math.min(MAX_FRAMES, index + APPLICATION_FRAMES));
    const site = firstApplicationFrame(frames, index);
    if (!site) return;
    (span as Span & WithFrames)[FRAMES] = frames;
    if (!capture.codeAttributes) return;
    if (site.functionName) span.setAttribute('code.function.name', site.functionName);
    span.setAttribute('code.file.path', site.filePath);
    span.setAttribute('code.line.number', site.line);
    span.setAttribute('code.column.number', site.column);
  }

  onEnding(span: Span): void {
    const frames = (span as Span & WithFrames)[FRAMES];
    if (!frames) return;
    delete (span as Span & WithFrames)[FRAMES];
    const rules = this.config.capture.stackTraces;
    const failed = span.status.code === SpanStatusCode.ERROR;
    let slow = false;
    if (!failed && rules.slowSpanMs > 0) {
      const [s, ns] = span.startTime;
      slow = Date.now() - (s * 1000 + ns / 1e6) >= rules.slowSpanMs;
    }
    if ((failed && rules.onError) || slow) {
      // From the application's frame down: the frames above it are the tracing SDK's own.
      const first = frames.findIndex(isApplicationFrame);
      span.setAttribute('code.stacktrace', formatFrames(first > 0 ? frames.slice(first) : frames));
    }
  }

  onEnd(_span: ReadableSpan): void {}
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
