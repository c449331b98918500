import { context, createContextKey } from '@opentelemetry/api';
import {
  InstrumentationBase,
  InstrumentationNodeModuleDefinition,
  InstrumentationNodeModuleFile,
} from '@opentelemetry/instrumentation';
import { AGENT_VERSION } from '../version.ts';
import { CallPaths, CaptureSchedule } from '../processors/capture-schedule.ts';
import { captureFrames } from '../processors/call-site.ts';

/**
 * Where the application called a library whose span starts later, in a
 * callback (pg's and mysql2's `pool.query` wait for a pooled connection before
 * the query span starts, with no application frame left on the stack). The
 * library's entry point is wrapped: the call site (a few frames) is captured
 * at the call and put in the context, where the code-context processor finds
 * it when the span starts.
 */
export const CALL_SITE_KEY = createContextKey('spyglass.call-site');

/** Frames captured at the entry: the caller is right above it (a few for wrappers such as ORMs). */
const ENTRY_FRAMES = 6;

/** Libraries whose entry points are wrapped: pg-pool's query; mysql2's Pool query and execute. */
export type CallSiteLibrary = 'pg' | 'mysql2';

type Entries = { prototype: Record<string, (...args: unknown[]) => unknown> };

/** One per library, so that each follows its own `instrumentations.<name>` switch. */
export function createCallSiteInstrumentation(library: CallSiteLibrary): InstrumentationBase {
  // init() runs inside InstrumentationBase's constructor: it reads `library` from this closure.
  return new (class CallSiteInstrumentation extends InstrumentationBase {
    constructor() {
      super(`spyglass-call-site-${library}`, AGENT_VERSION, { enabled: false });
    }

    protected init() {
      const wrap = (Pool: Entries, methods: readonly string[]) => {
        for (const m of methods) this._wrap(Pool.prototype, m, wrapEntry);
        return Pool;
      };
      const unwrap = (Pool: Entries | undefined, methods: readonly string[]) => {
        if (Pool) for (const m of methods) this._unwrap(Pool.prototype, m);
      };
      if (library === 'mysql2') {
        // The promise pool (mysql2/promise) calls these too.
        const methods = ['query', 'execute'];
        return [
          new InstrumentationNodeModuleDefinition('mysql2', ['>=1.4.2 <4'], undefined, undefined, [
            new InstrumentationNodeModuleFile(
              'mysql2/lib/pool.js',
              ['>=1.4.2 <4'],
              (Pool: Entries) => wrap(Pool, methods),
              (Pool: Entries | undefined) => unwrap(Pool, methods),
            ),
          ]),
        ];
      }
      return [
        new InstrumentationNodeModuleDefinition(
          'pg-pool',
          ['>=2.0.0 <4'],
          (Pool: Entries) => wrap(Pool, ['query']),
          (Pool: Entries | undefined) => unwrap(Pool, ['query']),
        ),
      ];
    }
  })();
}

/** Call sites are learned per SQL text: the same statement nearly always comes from the same place. */
class EntrySite extends CaptureSchedule {
  frames: NodeJS.CallSite[] | undefined;
}
const sites = new CallPaths(() => new EntrySite());

function statementText(arg: unknown): string {
  if (typeof arg === 'string') return arg;
  if (arg && typeof arg === 'object') {
    const { text, sql } = arg as { text?: unknown; sql?: unknown };
    if (typeof text === 'string') return text; // pg
    if (typeof sql === 'string') return sql; // mysql2
  }
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
