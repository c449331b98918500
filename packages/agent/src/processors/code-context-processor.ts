import { SpanKind, SpanStatusCode, type Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ConfigStore } from '../config/config-store.ts';
import { captureFrames, firstApplicationFrame, formatFrames, isApplicationFrame } from './call-site.ts';

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
  constructor(private readonly config: ConfigStore) {}

  onStart(span: Span, _parentContext: Context): void {
    const capture = this.config.capture;
    if (!capture.codeAttributes && !capture.stackTraces.onError && capture.stackTraces.slowSpanMs === 0)
      return;
    // Only spans the application's own code triggers; framework spans (server, consumer, middleware
    // layers) start inside the framework, where a stack would cost ~3 µs and hold no application frame.
    if (span.kind !== SpanKind.CLIENT && span.kind !== SpanKind.PRODUCER) return;
    // eslint-disable-next-line @typescript-eslint/unbound-method -- only marks where the stack starts
    const frames = captureFrames(this.onStart);
    const site = firstApplicationFrame(frames);
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
