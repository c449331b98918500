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

/**
 * Capturing costs ~25 µs on this path (an async function's stack), so call sites are learned per
 * SQL text (the same statement nearly always comes from the same place): captured on the first
 * four calls, then on 1 in 16 while it stays the same; a text seen from two places is captured on
 * every call.
 */
interface EntrySite {
  frames: NodeJS.CallSite[] | undefined;
  captures: number;
  calls: number;
  variable: boolean;
}
const LEARNING_CAPTURES = 4;
const STABLE_SAMPLE_EVERY = 16;
const MAX_TEXTS = 2000;
const sites = new Map<string, EntrySite>();

function statementText(arg: unknown): string {
  if (typeof arg === 'string') return arg;
  if (arg && typeof arg === 'object' && typeof (arg as { text?: unknown }).text === 'string')
    return (arg as { text: string }).text;
  return '';
}

function wrapEntry(original: (...args: unknown[]) => unknown) {
  return function entry(this: unknown, ...args: unknown[]): unknown {
    const key = statementText(args[0]);
    let site = sites.get(key);
    if (!site) {
      if (sites.size >= MAX_TEXTS) sites.clear();
      site = { frames: undefined, captures: 0, calls: 0, variable: false };
      sites.set(key, site);
    }
    site.calls++;
    let frames = site.frames;
    if (site.variable || site.captures < LEARNING_CAPTURES || site.calls % STABLE_SAMPLE_EVERY === 0) {
      frames = capture(entry);
      if (site.captures > 0 && !sameTop(site.frames, frames)) site.variable = true;
      site.frames = frames;
      site.captures++;
    }
    if (!frames) return original.apply(this, args);
    return context.with(context.active().setValue(CALL_SITE_KEY, frames), () => original.apply(this, args));
  };
}

function capture(skip: (...args: never[]) => unknown): NodeJS.CallSite[] | undefined {
  const holder: { stack?: NodeJS.CallSite[] } = {};
  const limit = Error.stackTraceLimit;
  // eslint-disable-next-line @typescript-eslint/unbound-method -- a hook V8 calls, restored as it was
  const prepare = Error.prepareStackTrace;
  try {
    Error.stackTraceLimit = ENTRY_FRAMES;
    Error.prepareStackTrace = (_e, callSites) => callSites;
    Error.captureStackTrace(holder, skip);
    return holder.stack;
  } catch {
    return undefined;
  } finally {
    Error.prepareStackTrace = prepare;
    Error.stackTraceLimit = limit;
  }
}

/** The same calling place: the first frames' files and lines agree. */
function sameTop(a: NodeJS.CallSite[] | undefined, b: NodeJS.CallSite[] | undefined): boolean {
  if (!a || !b) return a === b;
  const n = Math.min(a.length, b.length, ENTRY_FRAMES);
  for (let i = 0; i < n; i++) {
    if (a[i]!.getFileName() !== b[i]!.getFileName() || a[i]!.getLineNumber() !== b[i]!.getLineNumber())
      return false;
  }
  return true;
}
