import { context, createContextKey } from '@opentelemetry/api';
import { InstrumentationBase, InstrumentationNodeModuleDefinition } from '@opentelemetry/instrumentation';
import { AGENT_VERSION } from '../version.ts';

/**
 * Where the application called a library whose span starts later, in a
 * callback (pg's `pool.query` waits for a pooled connection before its
 * query span starts, with no application frame left on the stack). The
 * library's entry point is wrapped: the call site (a few frames) is captured
 * at the call and put in the context, where the code-context processor finds
 * it when the span starts.
 */
export const CALL_SITE_KEY = createContextKey('spyglass.call-site');

/** Frames captured at the entry: the caller is right above it (a few for wrappers such as ORMs). */
const ENTRY_FRAMES = 6;

export class CallSiteInstrumentation extends InstrumentationBase {
  constructor() {
    super('spyglass-call-site', AGENT_VERSION, { enabled: false });
  }

  protected init() {
    return [
      new InstrumentationNodeModuleDefinition(
        'pg-pool',
        ['>=2.0.0 <4'],
        (moduleExports: { prototype: { query: (...args: unknown[]) => unknown } }) => {
          this._wrap(moduleExports.prototype, 'query', wrapEntry);
          return moduleExports;
        },
        (moduleExports: { prototype: { query: (...args: unknown[]) => unknown } } | undefined) => {
          if (moduleExports) this._unwrap(moduleExports.prototype, 'query');
        },
      ),
    ];
  }
}

function wrapEntry(original: (...args: unknown[]) => unknown) {
  return function entry(this: unknown, ...args: unknown[]): unknown {
    const holder: { stack?: NodeJS.CallSite[] } = {};
    const limit = Error.stackTraceLimit;
    // eslint-disable-next-line @typescript-eslint/unbound-method -- a hook V8 calls, restored as it was
    const prepare = Error.prepareStackTrace;
    let frames: NodeJS.CallSite[] | undefined;
    try {
      Error.stackTraceLimit = ENTRY_FRAMES;
      Error.prepareStackTrace = (_e, callSites) => callSites;
      Error.captureStackTrace(holder, entry);
      frames = holder.stack;
    } catch {
      frames = undefined;
    } finally {
      Error.prepareStackTrace = prepare;
      Error.stackTraceLimit = limit;
    }
    if (!frames) return original.apply(this, args);
    return context.with(context.active().setValue(CALL_SITE_KEY, frames), () => original.apply(this, args));
  };
}
