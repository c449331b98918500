import { SpanKind, SpanStatusCode, trace, type Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ConfigStore } from '../config/config-store.ts';
import { CALL_SITE_KEY } from '../telemetry/call-site-instrumentation.ts';
import { ROUTE_SOURCE_KEY, type RouteSource } from '../telemetry/request-context.ts';
import { CaptureSchedule, MAX_PATHS } from './capture-schedule.ts';
import {
  MAX_FRAMES,
  captureFrames,
  firstApplicationFrame,
  formatFrames,
  isApplicationFrame,
  type CallSiteInfo,
} from './call-site.ts';

/** Application frames kept below the first one, for code.stacktrace. */
const APPLICATION_FRAMES = 12;

const FRAMES = Symbol('spyglass.frames');
type WithFrames = { [FRAMES]?: readonly NodeJS.CallSite[] | undefined };

/** What is known of one call path: (instrumentation scope, span name, parent span name, route). */
class CallPath extends CaptureSchedule {
  /** How deep to capture: the application frame's depth plus room for its own stack. */
  depth = MAX_FRAMES;
  /** What the last capture found (undefined: no application frame on this path). */
  site: CallSiteInfo | undefined;
  frames: readonly NodeJS.CallSite[] | undefined;

  constructor(
    readonly parentName: string,
    readonly route: string,
  ) {
    super();
  }
}

/**
 * The call paths, by scope (the tracer's object), span name, then parent name
 * and route: no key string is built per span (the four names joined cost a
 * dozen string concatenations and the hashing of a new string, for every
 * client span).
 */
class CallPathTable {
  readonly #byScope = new Map<object, Map<string, CallPath[]>>();
  #size = 0;

  get(scope: object, name: string, parentName: string, route: string): CallPath {
    let byName = this.#byScope.get(scope);
    if (byName === undefined) this.#byScope.set(scope, (byName = new Map()));
    let paths = byName.get(name);
    if (paths === undefined) byName.set(name, (paths = []));
    for (let i = 0; i < paths.length; i++) {
      const path = paths[i]!;
      if (path.parentName === parentName && path.route === route) return path;
    }
    if (++this.#size > MAX_PATHS) {
      this.#byScope.clear();
      this.#size = 0;
      return this.get(scope, name, parentName, route);
    }
    const path = new CallPath(parentName, route);
    paths.push(path);
    return path;
  }
}

/**
 * Where in the application a span started, and why it failed:
 * - on start of client and producer spans (those the application's own code
 *   triggers), `code.function.name`, `code.file.path`, `code.line.number`,
 *   `code.column.number` of the first application frame;
 * - just before the end (`onEnding`, while the span is still writable),
 *   `code.stacktrace` on error spans and, when configured, on slow spans.
 * Server and consumer spans start inside the framework, where the stack holds
 * no application frame; their failures carry the exception's own stack.
 *
 * Stacks are costly, so each call path (scope, span name, parent span name, route)
 * learns how deep its application frame is and captures only that far, on the
 * calls its CaptureSchedule picks; the others reuse what the last capture found
 * (site, and stack for code.stacktrace).
 */
export class CodeContextProcessor implements SpanProcessor {
  private readonly paths = new CallPathTable();
  private readonly entrySites = new WeakMap<
    readonly NodeJS.CallSite[],
    { site: CallSiteInfo; frames: readonly NodeJS.CallSite[] } | null
  >();

  constructor(private readonly config: ConfigStore) {}

  onStart(span: Span, parentContext: Context): void {
    const capture = this.config.capture;
    if (!capture.codeAttributes && !capture.stackTraces.onError && capture.stackTraces.slowSpanMs === 0)
      return;
    if (span.kind !== SpanKind.CLIENT && span.kind !== SpanKind.PRODUCER) return;
    // A library entry point that starts its span later recorded where the application called it.
    const entry = parentContext.getValue(CALL_SITE_KEY) as readonly NodeJS.CallSite[] | undefined;
    if (entry) {
      // The same frames serve many spans (the entry samples its captures): resolve them once.
      let resolved = this.entrySites.get(entry);
      if (!resolved) {
        const index = entry.findIndex(isApplicationFrame);
        const site = index === -1 ? undefined : firstApplicationFrame(entry, index);
        resolved = site ? { site, frames: entry.slice(index) } : null;
        this.entrySites.set(entry, resolved);
      }
      if (resolved) {
        this.annotate(span, resolved.site, resolved.frames);
        return;
      }
    }
    const parent = trace.getSpan(parentContext) as (Span & { name?: string }) | undefined;
    // The route too: a server span is named by its method alone until it ends, and routes that call
    // the same client method from different places would otherwise share one (variable) path.
    const routes = parentContext.getValue(ROUTE_SOURCE_KEY) as RouteSource | undefined;
    const route = routes?.currentRoute() ?? '';
    const path = this.paths.get(span.instrumentationScope, span.name, parent?.name ?? '', route);
    if (path.due()) {
      const captured = this.capture(path);
      path.captured(sameSite(path.site, captured?.site));
      path.site = captured?.site;
      path.frames = captured?.frames;
    }
    if (path.site && path.frames) this.annotate(span, path.site, path.frames);
  }

  private annotate(span: Span, site: CallSiteInfo, frames: readonly NodeJS.CallSite[]): void {
    (span as Span & WithFrames)[FRAMES] = frames;
    if (!this.config.capture.codeAttributes) return;
    if (site.functionName) span.setAttribute('code.function.name', site.functionName);
    span.setAttribute('code.file.path', site.filePath);
    span.setAttribute('code.line.number', site.line);
    span.setAttribute('code.column.number', site.column);
  }

  /** The stack from the application's frame down, as deep as this path needs (full depth as fallback). */
  private capture(path: CallPath): { site: CallSiteInfo; frames: NodeJS.CallSite[] } | undefined {
    // eslint-disable-next-line @typescript-eslint/unbound-method -- only marks where the stack starts
    let all = captureFrames(this.onStart, path.depth);
    let index = all.findIndex(isApplicationFrame);
    if (index === -1 && path.depth < MAX_FRAMES && all.length >= path.depth) {
      // eslint-disable-next-line @typescript-eslint/unbound-method -- only marks where the stack starts
      all = captureFrames(this.onStart, MAX_FRAMES);
      index = all.findIndex(isApplicationFrame);
    }
    if (index === -1) {
      // No application frame (the span starts in a callback of the library): capture no deeper next time.
      path.depth = Math.min(MAX_FRAMES, all.length + 1);
      return undefined;
    }
    path.depth = Math.min(MAX_FRAMES, index + APPLICATION_FRAMES);
    const site = firstApplicationFrame(all, index);
    return site ? { site, frames: all.slice(index) } : undefined;
  }

  onEnding(span: Span): void {
    const frames = (span as Span & WithFrames)[FRAMES];
    if (!frames) return;
    // Cleared, not deleted: a delete would turn the span's properties into a slower dictionary.
    (span as Span & WithFrames)[FRAMES] = undefined;
    const rules = this.config.capture.stackTraces;
    const failed = span.status.code === SpanStatusCode.ERROR;
    let slow = false;
    if (!failed && rules.slowSpanMs > 0) {
      const [s, ns] = span.startTime;
      slow = Date.now() - (s * 1000 + ns / 1e6) >= rules.slowSpanMs;
    }
    if ((failed && rules.onError) || slow) span.setAttribute('code.stacktrace', formatFrames(frames));
  }

  onEnd(_span: ReadableSpan): void {}
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

function sameSite(a: CallSiteInfo | undefined, b: CallSiteInfo | undefined): boolean {
  if (!a || !b) return a === b;
  return a.filePath === b.filePath && a.line === b.line && a.column === b.column;
}
