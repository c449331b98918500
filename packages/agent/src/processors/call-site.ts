import { sep } from 'node:path';

/**
 * The application's call site of the current stack: the first frame that is
 * not Node.js internals, not a dependency (node_modules) and not the agent.
 * Structured V8 call sites, not a formatted `stack` string: capturing them is
 * cheap, formatting is paid only for spans that keep a stack trace.
 */
export interface CallSiteInfo {
  readonly functionName: string | undefined;
  readonly filePath: string;
  readonly line: number;
  readonly column: number;
}

/** fetch() reaches the span through ~40 frames of undici and the SDK: 64 keeps the application frame in view. */
export const MAX_FRAMES = 64;
/**
 * The agent's own code, in the repository (src/) and as run (dist/, or a copy of it beside it such
 * as dist-before/, which the benchmarks preload to compare builds).
 */
const AGENT_DIRS = [`${sep}packages${sep}agent${sep}src${sep}`, `${sep}packages${sep}agent${sep}dist`];
const NODE_MODULES = `${sep}node_modules${sep}`;

/** The current stack as V8 call sites, at most `limit` frames (each costs ~0.6 µs), from the caller of `skip`. */
export function captureFrames(skip: (...args: never[]) => unknown, limit = MAX_FRAMES): NodeJS.CallSite[] {
  const holder: { stack?: NodeJS.CallSite[] } = {};
  const previousLimit = Error.stackTraceLimit;
  // eslint-disable-next-line @typescript-eslint/unbound-method -- a hook V8 calls, restored as it was
  const previousPrepare = Error.prepareStackTrace;
  try {
    Error.stackTraceLimit = limit;
    Error.prepareStackTrace = (_error, frames) => frames;
    Error.captureStackTrace(holder, skip);
    return holder.stack ?? [];
  } finally {
    Error.prepareStackTrace = previousPrepare;
    Error.stackTraceLimit = previousLimit;
  }
}

export function isApplicationFrame(frame: NodeJS.CallSite): boolean {
  const file = frame.getFileName();
  if (!file || frame.isNative()) return false;
  if (
    file.startsWith('node:') ||
    !(file.startsWith('/') || file.startsWith('file:') || /^[A-Za-z]:\\/.test(file))
  )
    return false;
  return !file.includes(NODE_MODULES) && !AGENT_DIRS.some((dir) => file.includes(dir));
}

/** Receivers that say nothing about the function (plain objects, module namespaces, the global object). */
const PLAIN_RECEIVERS = new Set(['Object', 'Module', 'global', 'Window']);

/** The call site of `frames[index]` (by default the first application frame). */
export function firstApplicationFrame(
  frames: readonly NodeJS.CallSite[],
  index = frames.findIndex(isApplicationFrame),
): CallSiteInfo | undefined {
  const frame = frames[index];
  if (!frame) return undefined;
  let filePath = frame.getFileName()!;
  if (filePath.startsWith('file://')) filePath = decodeURIComponent(new URL(filePath).pathname);
  const type = frame.getTypeName();
  const fn = frame.getFunctionName() ?? frame.getMethodName() ?? undefined;
  return {
    functionName: fn
      ? type && !PLAIN_RECEIVERS.has(type) && !fn.includes('.')
        ? `${type}.${fn}`
        : fn
      : undefined,
    filePath,
    line: frame.getLineNumber() ?? 0,
    column: frame.getColumnNumber() ?? 0,
  };
}

/** Frames formatted like V8's `stack` lines, for `code.stacktrace`. */
export function formatFrames(frames: readonly NodeJS.CallSite[]): string {
  return frames
    .map((f) => {
      const fn = f.getFunctionName() ?? f.getMethodName();
      const where = `${f.getFileName() ?? '<anonymous>'}:${f.getLineNumber() ?? 0}:${f.getColumnNumber() ?? 0}`;
      return fn ? `    at ${fn} (${where})` : `    at ${where}`;
    })
    .join('\n');
}
