import { context, createContextKey } from '@opentelemetry/api';
import { InstrumentationBase, InstrumentationNodeModuleDefinition } from '@opentelemetry/instrumentation';
import { AGENT_VERSION } from '../version.ts';
import { CallPaths, CaptureSchedule } from '../processors/capture-schedule.ts';
import { captureFrames } from '../processors/call-site.ts';

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

/** Call sites are learned per SQL text: the same statement nearly always comes from the same place. */
class EntrySite extends CaptureSchedule {
  frames: NodeJS.CallSite[] | undefined;
}
const sites = new CallPaths(() => new EntrySite());

function statementText(arg: unknown): string {
  if (typeof arg === 'string') return arg;
  if (arg && typeof arg === 'object' && typeof (arg as { text?: unknown }).text === 'string')
    return (arg as { text: string }).text;
  return '';
}

function wrapEntry(original: (...args: unknown[]) => unknown) {
  return function entry(this: unknown, ...args: unknown[]): unknown {
    const site = sites.get(statementText(args[0]));
    if (site.due()) {
      let frames: NodeJS.CallSite[] | undefined;
      try {
        frames = captureFrames(entry, ENTRY_FRAMES);
      } catch {
        frames = undefined;
      }
      site.captured(sameTop(site.frames, frames));
      site.frames = frames;
    }
    const frames = site.frames;
    if (!frames) return original.apply(this, args);
    return context.with(context.active().setValue(CALL_SITE_KEY, frames), () => original.apply(this, args));
  };
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
