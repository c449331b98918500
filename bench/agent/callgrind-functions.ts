/**
 * node --import tsx bench/agent/callgrind-functions.ts FILE.callgrind [--map FILE.perf-map] [--requests 3000] [--top 40] [--match TEXT] [--callers NAME] [--callees NAME] [--event Ir]
 * node --import tsx bench/agent/callgrind-functions.ts --categories FILE.callgrind [FILE2.callgrind ...] [--event Ir]
 *
 * Reads one callgrind output kept by `npm run bench:agent-instructions -- --keep DIR` and prints
 * instructions per request by function: V8's builtins, runtime and GC and Node's C++ by their
 * symbols, JIT-compiled JavaScript by the perf map kept beside it (`JS:*name file:line:col`,
 * `*` optimized, `^` baseline, `~` interpreted). callgrind names code it has no symbol for by its
 * address; valgrind runs the JIT's code at the addresses V8 gave it, which the map lists.
 * - default: functions by their own (exclusive) instructions, the largest first;
 * - `--match TEXT`: only functions whose name holds TEXT (`agent.cjs` for the agent's own), with
 *   their inclusive instructions too;
 * - `--callers NAME` / `--callees NAME`: who calls a function whose name holds NAME, or what it
 *   calls, with the calls' inclusive instructions and counts (how the thirteenth session found
 *   the generic `Builtins_LoadIC` calls of the header capture, bench/agent/RESULTS.md);
 * - `--categories`: each file's instructions per request by kind (the agent's JavaScript, other
 *   JavaScript, V8 builtins, GC, TurboFan compiling, the metrics' histogram, other native code),
 *   one row per file. Under valgrind the compiler thread's queue drains into the window (109-113 K
 *   per trivial request even in the baseline, the fourteenth session) and a major GC lands there
 *   or not: runs of one build spread by 20-50 K, mostly in those two. Compare the other
 *   categories to decide a small change.
 * - `--event`: which of the file's events to count (default Ir, instructions). Outputs kept with
 *   `bench:agent-instructions --cache-sim` also hold the simulated cache misses (I1mr, D1mr, D1mw:
 *   first level; ILmr, DLmr, DLmw: last level) and, with --branch-sim, the mispredicted
 *   conditional and indirect branches (Bcm, Bim), and `CEst` weighs them as an estimate of cycles,
 *   Ir + 10 x (first-level misses + mispredictions) + 100 x last-level misses (KCachegrind's
 *   formula): what instructions alone miss when code or data does not stay in the caches.
 * Inclusive figures count a recursive or mutually recursive call more than once.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { isAgentCode } from './bench-app.ts';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    map: { type: 'string' },
    requests: { type: 'string', default: '3000' },
    top: { type: 'string', default: '40' },
    match: { type: 'string' },
    callers: { type: 'string' },
    callees: { type: 'string' },
    categories: { type: 'boolean', default: false },
    event: { type: 'string', default: 'Ir' },
  },
});
const file = positionals[0];
if (!file) {
  console.error('usage: callgrind-functions.ts FILE.callgrind [--map FILE.perf-map] [options]');
  process.exit(2);
}
const requests = Number(values.requests);
const event = values.event;

/** KCachegrind's cycle estimate: a first-level miss ~10 instructions' time, a last-level one ~100. */
const CEST_WEIGHTS: Record<string, number> = {
  Ir: 1,
  I1mr: 10,
  D1mr: 10,
  D1mw: 10,
  ILmr: 100,
  DLmr: 100,
  DLmw: 100,
};

/** How a cost line's values (in the file's `events:` order) become the one `--event` counts. */
function eventReader(events: readonly string[]): (values: readonly number[]) => number {
  if (event === 'CEst') {
    if (!events.includes('D1mr'))
      throw new Error(
        'CEst needs the cache misses: keep the outputs with bench:agent-instructions --cache-sim',
      );
    const weights = events.map((e) => CEST_WEIGHTS[e] ?? 0);
    return (v) => {
      let sum = 0;
      for (let i = 0; i < v.length; i++) sum += v[i]! * weights[i]!;
      return sum;
    };
  }
  const at = events.indexOf(event);
  if (at === -1) throw new Error(`no event ${event} in this file (it has ${events.join(', ')})`);
  return (v) => v[at] ?? 0;
}

function readPerfMap(path: string): { start: number; end: number; name: string }[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    console.error(`no perf map at ${path}: JavaScript functions show as addresses`);
    return [];
  }
  const byStart = new Map<number, { start: number; end: number; name: string }>();
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]+) ([0-9a-f]+) (.*)$/.exec(line);
    if (!m) continue;
    const start = parseInt(m[1]!, 16);
    byStart.set(start, { start, end: start + parseInt(m[2]!, 16), name: m[3]! });
  }
  return [...byStart.values()].sort((a, b) => a.start - b.start);
}

/** A callgrind function name, with an address resolved through the perf map. */
function resolve(ranges: readonly { start: number; end: number; name: string }[], name: string): string {
  const m = /^0x([0-9a-f]+)$/.exec(name);
  if (!m || ranges.length === 0) return name;
  const address = parseInt(m[1]!, 16);
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ranges[mid]!.start <= address) lo = mid;
    else hi = mid - 1;
  }
  const r = ranges[lo]!;
  return r.start <= address && address < r.end ? r.name : name;
}

interface Profile {
  /** Function -> its own instructions. */
  readonly own: Map<string, number>;
  /** Function -> the inclusive instructions of the calls it makes. */
  readonly called: Map<string, number>;
  /** caller -> callee -> [inclusive instructions, calls] */
  readonly edges: Map<string, Map<string, [number, number]>>;
}

// callgrind's format: `fn=(id) name` opens a function (the name given once, then its id alone),
// `cfn=` names a callee, `calls=N ...` precedes the line that holds that call's inclusive cost;
// other cost lines are the function's own (position, then instructions).
function readProfile(file: string, mapFile: string): Profile {
  /** The JIT's code ranges, sorted by start (a later entry for the same start replaces an earlier one). */
  const ranges = readPerfMap(mapFile);
  const own = new Map<string, number>();
  const called = new Map<string, number>();
  const edges = new Map<string, Map<string, [number, number]>>();
  const ids = new Map<string, string>();
  const nameOf = (spec: string) => {
    const m = /^\((\d+)\)(?: (.*))?$/.exec(spec.trim());
    if (!m) return resolve(ranges, spec.trim());
    if (m[2] !== undefined)
      ids.set(m[1]!, resolve(ranges, m[2].replace(/^\?\?\?:/, '').replace(/ \[.*\]$/, '')));
    return ids.get(m[1]!) ?? '?';
  };
  let fn = '?';
  let callee = '?';
  let pendingCalls = -1;
  // Files without an `events:` line count instructions alone.
  let read = (v: readonly number[]) => v[0] ?? 0;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('events:')) read = eventReader(line.slice(7).trim().split(/\s+/));
    else if (line.startsWith('fn=')) fn = nameOf(line.slice(3));
    else if (line.startsWith('cfn=')) callee = nameOf(line.slice(4));
    else if (line.startsWith('calls=')) pendingCalls = Number(line.slice(6).split(' ')[0]);
    else if (/^[0-9+\-*]/.test(line)) {
      // A position, then one value per event (trailing zeros left out).
      const fields = line.split(' ');
      const cost = read(fields.slice(1).map(Number));
      if (!Number.isFinite(cost)) continue;
      if (pendingCalls >= 0) {
        if (callee !== fn) called.set(fn, (called.get(fn) ?? 0) + cost);
        let out = edges.get(fn);
        if (!out) edges.set(fn, (out = new Map()));
        const edge = out.get(callee) ?? [0, 0];
        edge[0] += cost;
        edge[1] += pendingCalls;
        out.set(callee, edge);
        pendingCalls = -1;
      } else own.set(fn, (own.get(fn) ?? 0) + cost);
    }
  }
  return { own, called, edges };
}

const perfMapOf = (callgrind: string) => values.map ?? callgrind.replace(/\.callgrind$/, '.perf-map');

/**
 * What a function's instructions are spent on, by its name: V8's optimizing compiler, its GC, the
 * runtime metrics' HDR histogram (event-loop delay, read every collection), JavaScript (the agent's
 * bundle or any other), V8's builtins, or other native code (V8's runtime, Node's C++, libc).
 */
function categoryOf(name: string): string {
  if (/compiler::|Compil|Turbofan|maglev/i.test(name)) return 'JIT';
  if (
    /Scaveng|Marking|Sweep|Heap|GC|Evacuat|MemoryChunk|Remembered|SlotSet|Page|FreeList|BodyDescriptor|SizeFromMap|Allocat/.test(
      name,
    )
  )
    return 'GC';
  if (/hdr_|all_values_iter/.test(name)) return 'histogram';
  if (name.startsWith('JS:')) return isAgentCode(name) ? 'agent JS' : 'other JS';
  if (name.startsWith('Builtins_')) return 'builtins';
  return 'other native';
}

if (values.categories) {
  const table: Record<string, Record<string, number>> = {};
  for (const path of positionals) {
    const { own } = readProfile(path, perfMapOf(path));
    const row: Record<string, number> = {};
    let total = 0;
    for (const [name, cost] of own) {
      const category = categoryOf(name);
      row[category] = (row[category] ?? 0) + cost;
      total += cost;
    }
    const perRequestK = (n: number) => Number((n / requests / 1000).toFixed(1));
    table[basename(path)] = Object.fromEntries([
      ...['agent JS', 'other JS', 'builtins', 'other native', 'GC', 'JIT', 'histogram'].map(
        (c) => [c, perRequestK(row[c] ?? 0)] as const,
      ),
      ['total', perRequestK(total)],
      [
        'without GC, JIT, histogram',
        perRequestK(total - (row['GC'] ?? 0) - (row['JIT'] ?? 0) - (row['histogram'] ?? 0)),
      ],
    ]);
  }
  console.log(`${event} per request by kind, K (${requests} requests)`);
  console.table(table);
  process.exit(0);
}

const { own, called, edges } = readProfile(file, perfMapOf(file));

const perRequest = (n: number) => Math.round(n / requests);
const top = Number(values.top);
const rows = (entries: [string, Record<string, number>][]) =>
  console.table(Object.fromEntries(entries.slice(0, top).map(([k, v]) => [k.slice(0, 110), v])));

if (values.callers || values.callees) {
  const wanted = (values.callers ?? values.callees)!;
  const found = new Map<string, [number, number]>();
  for (const [caller, out] of edges)
    for (const [target, [cost, calls]] of out) {
      const key = values.callers
        ? target.includes(wanted)
          ? caller
          : undefined
        : caller.includes(wanted)
          ? target
          : undefined;
      if (key === undefined) continue;
      const sum = found.get(key) ?? [0, 0];
      sum[0] += cost;
      sum[1] += calls;
      found.set(key, sum);
    }
  console.log(
    `${values.callers ? 'callers of' : 'called by'} functions named *${wanted}*, ${event} per request`,
  );
  rows(
    [...found]
      .sort((a, b) => b[1][0] - a[1][0])
      .map(([k, [cost, calls]]) => [
        k,
        { [event]: perRequest(cost), calls: Number((calls / requests).toFixed(1)) },
      ]),
  );
} else {
  const names = [...new Set([...own.keys(), ...called.keys()])].filter(
    (n) => !values.match || n.includes(values.match),
  );
  console.log(`functions by their own ${event}, per request (${requests} requests)`);
  rows(
    names
      .map((n) => [n, own.get(n) ?? 0] as const)
      .sort((a, b) => b[1] - a[1])
      .map(([n, self]) => [n, { own: perRequest(self), inclusive: perRequest(self + (called.get(n) ?? 0)) }]),
  );
}
