import type { Attributes } from '@opentelemetry/api';
import type { CaptureConfig } from '../config/agent-config.ts';
import {
  ObjectSink,
  internedKey,
  type AttributeKey,
  type AttributeSink,
} from '../telemetry/attribute-encoding.ts';
import { ALWAYS_REDACTED_HEADERS } from '../config/config-constants.ts';
import { sameNameAt } from './ascii-case.ts';

export const REDACTED = '[REDACTED]';
const SECRET_LOOKING = /(auth|token|secret|passw|api[-_]?key|session|credential|signature)/i;
const ALWAYS = new Set(ALWAYS_REDACTED_HEADERS);
/**
 * Skipped in `all` mode: transport details that never explain a failure, or
 * that the span already carries (traceparent is the span's own context,
 * host/port are server.address). Listing one in `allowlist` mode still
 * captures it.
 */
const NOISE = new Set([
  'connection',
  'keep-alive',
  'date',
  'accept-encoding',
  'accept-language',
  'traceparent',
  'tracestate',
  'baggage',
  'host',
  'upgrade-insecure-requests',
  'sec-fetch-mode',
  'sec-fetch-site',
  'sec-fetch-dest',
  'sec-fetch-user',
  'sec-ch-ua',
  'sec-ch-ua-mobile',
  'sec-ch-ua-platform',
  'priority',
]);

type HeaderValue = string | string[] | number | undefined;

/**
 * Headers in one of the forms the capture reads: an object (name to value,
 * as node:http's `headers` or `getHeaders()`), a header block as node:http
 * writes it (see captureBlock), or a raw list (`rawHeaders`: name, value,
 * name, value, ... as received).
 */
export type CapturedHeaders = Record<string, HeaderValue> | string | readonly string[];

/**
 * Headers as span attributes `http.<direction>.header.<name>` (lower-case
 * name, values joined with ", "). Secrets are replaced by [REDACTED] in every
 * mode: the always-redacted list, the configured names, and names that look
 * secret (token, secret, password, api-key, session, ...).
 */
export function headerAttributes(
  direction: 'request' | 'response',
  headers: CapturedHeaders | undefined,
  rules: CaptureConfig['headers'],
  into: Attributes,
): void {
  captureHeaders(direction, headers, rules, new ObjectSink(into, Infinity));
}

/** The same, into a sink (see attribute-encoding.ts). */
export function captureHeaders(
  direction: 'request' | 'response',
  headers: CapturedHeaders | undefined,
  rules: CaptureConfig['headers'],
  sink: AttributeSink,
): void {
  if (!headers || rules.mode === 'off') return;
  if (typeof headers === 'string') return captureBlock(direction, headers, rules, sink);
  if (isRawList(headers)) return captureRawList(direction, headers, rules, sink);
  const decisions = decisionsFor(rules, direction);
  for (const rawName in headers) {
    const value = headers[rawName];
    if (value === undefined) continue;
    const decision = decisions.of(rawName);
    if (decision === null) continue;
    sink.string(
      decision.key,
      decision.secret ? REDACTED : Array.isArray(value) ? value.join(', ') : String(value),
    );
  }
}

function isRawList(headers: CapturedHeaders): headers is readonly string[] {
  return Array.isArray(headers);
}

/**
 * The captured headers of one block or raw list, before they go to the sink:
 * a name may come more than once, and its values are then joined. Reused by
 * every capture (it is synchronous), so that reading headers allocates
 * nothing but what the sink keeps.
 */
const found: { decisions: Decision[]; starts: number[]; ends: number[]; count: number } = {
  decisions: [],
  starts: [],
  ends: [],
  count: 0,
};

function foundHeader(decision: NonNullable<Decision>, start: number, end: number): void {
  const i = found.count++;
  found.decisions[i] = decision;
  found.starts[i] = start;
  found.ends[i] = end;
}

/**
 * Whether an attribute was found twice (a header sent more than once, whose
 * values join). Names that differ in case (X-Id, x-id) have different
 * decisions with the same key.
 */
function foundTwice(): boolean {
  for (let i = 1; i < found.count; i++)
    for (let j = 0; j < i; j++) if (sameKey(found.decisions[i]!, found.decisions[j]!)) return true;
  return false;
}

function sameKey(a: NonNullable<Decision>, b: NonNullable<Decision>): boolean {
  return a.key === b.key || a.key.name === b.key.name;
}

/** Empties the scratch lists (decisions are let go, so a replaced rule set can be collected). */
function clearFound(): void {
  for (let i = 0; i < found.count; i++) found.decisions[i] = null;
  found.count = 0;
}

/**
 * The same from a header block as node:http writes it (`res._header`: a
 * start line, then `Name: value` lines, each ending with CRLF, then an empty
 * line): read in place, without the headers object getHeaders() would build
 * (a dictionary-mode copy made with Object.keys, costly per response), and
 * values go to the sink as ranges of the block. A name sent twice has its
 * values joined with ", ", as getHeaders() would.
 */
function captureBlock(
  direction: 'request' | 'response',
  block: string,
  rules: CaptureConfig['headers'],
  sink: AttributeSink,
): void {
  const decisions = decisionsFor(rules, direction);
  found.count = 0;
  let at = block.indexOf('\r\n') + 2; // after the start line
  while (at > 1 && at < block.length) {
    const eol = block.indexOf('\r\n', at);
    if (eol === -1 || eol === at) break; // the empty line ends the block
    const colon = block.indexOf(':', at);
    if (colon !== -1 && colon < eol) {
      const decision = decisions.inBlock(block, at, colon);
      // node:http writes `${name}: ${value}`: the value is what follows ": ", as it was set.
      if (decision !== null)
        foundHeader(decision, block.charCodeAt(colon + 1) === 32 ? colon + 2 : colon + 1, eol);
    }
    at = eol + 2;
  }
  try {
    if (!foundTwice()) {
      for (let i = 0; i < found.count; i++) {
        const decision = found.decisions[i]!;
        if (decision.secret) sink.string(decision.key, REDACTED);
        else sink.range(decision.key, block, found.starts[i]!, found.ends[i]!);
      }
    } else writeJoined(sink, (i) => block.slice(found.starts[i]!, found.ends[i]!));
  } finally {
    clearFound();
  }
}

/** The same from a raw list (`rawHeaders`: names as received, each followed by its value). */
function captureRawList(
  direction: 'request' | 'response',
  raw: readonly string[],
  rules: CaptureConfig['headers'],
  sink: AttributeSink,
): void {
  const decisions = decisionsFor(rules, direction);
  found.count = 0;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const decision = decisions.of(raw[i]!);
    // The value's index in the list stands for its range (a list holds whole values).
    if (decision !== null) foundHeader(decision, i + 1, i + 1);
  }
  try {
    if (!foundTwice()) {
      for (let i = 0; i < found.count; i++) {
        const decision = found.decisions[i]!;
        sink.string(decision.key, decision.secret ? REDACTED : String(raw[found.starts[i]!]));
      }
    } else writeJoined(sink, (i) => String(raw[found.starts[i]!]));
  } finally {
    clearFound();
  }
}

/** The found headers with the values of a name joined with ", " (secrets stay [REDACTED]), in first-seen order. */
function writeJoined(sink: AttributeSink, valueOf: (i: number) => string): void {
  const joined = new Map<string, { key: AttributeKey; value: string }>();
  for (let i = 0; i < found.count; i++) {
    const decision = found.decisions[i]!;
    const value = decision.secret ? REDACTED : valueOf(i);
    const before = joined.get(decision.key.name);
    if (before === undefined) joined.set(decision.key.name, { key: decision.key, value });
    else if (!decision.secret) before.value = `${before.value}, ${value}`;
  }
  for (const { key, value } of joined.values()) sink.string(key, value);
}

/**
 * The value of header `name` (lower-case) in a header block (see
 * captureBlock), or undefined. Found at once, by one search, when the name is
 * written as most applications and frameworks write it (`Content-Type`),
 * else line by line.
 */
export function blockHeader(block: string, name: string): string | undefined {
  const usual = block.indexOf(usualLine(name));
  if (usual !== -1) {
    const start = usual + name.length + 3; // after "\r\n", the name and ':'
    const eol = block.indexOf('\r\n', start);
    if (eol !== -1) return block.slice(block.charCodeAt(start) === 32 ? start + 1 : start, eol);
  }
  let at = block.indexOf('\r\n') + 2;
  while (at > 1 && at < block.length) {
    const eol = block.indexOf('\r\n', at);
    if (eol === -1 || eol === at) return undefined;
    const colon = at + name.length;
    if (block.charCodeAt(colon) === 58 /* : */ && sameNameAt(block, at, name))
      return block.slice(block.charCodeAt(colon + 1) === 32 ? colon + 2 : colon + 1, eol);
    at = eol + 2;
  }
  return undefined;
}

/** `\r\nName:` for `name`, each word capitalized (content-type: `\r\nContent-Type:`), remembered per name. */
const USUAL_LINES = new Map<string, string>();
function usualLine(name: string): string {
  let line = USUAL_LINES.get(name);
  if (line === undefined) {
    line = `\r\n${name.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase())}:`;
    if (USUAL_LINES.size < 64) USUAL_LINES.set(name, line);
  }
  return line;
}

/** The first value of header `name` (lower-case) in a raw list (see CapturedHeaders), or undefined. */
export function rawHeader(raw: readonly string[], name: string): string | undefined {
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const candidate = raw[i]!;
    if (candidate.length === name.length && sameNameAt(candidate, 0, name)) return raw[i + 1];
  }
  return undefined;
}

/** What to do with one header name under one set of rules: skip it (null), or its attribute key. */
type Decision = { key: AttributeKey; secret: boolean } | null;

/** Header names seen per rules object and direction; rules are replaced (never mutated) on a config change. */
const DECISIONS = new WeakMap<
  CaptureConfig['headers'],
  { request: NameDecisions; response: NameDecisions }
>();
/** A bound on remembered names (an application sending random header names must not grow it). */
const MAX_CACHED_NAMES = 512;

function decisionsFor(rules: CaptureConfig['headers'], direction: 'request' | 'response'): NameDecisions {
  let entry = DECISIONS.get(rules);
  if (!entry)
    DECISIONS.set(
      rules,
      (entry = {
        request: new NameDecisions('request', rules),
        response: new NameDecisions('response', rules),
      }),
    );
  return entry[direction];
}

/** A name read in place from a header block, chained with the others of the same hash. */
interface BlockName {
  readonly raw: string;
  readonly decision: Decision;
  readonly next: BlockName | undefined;
}

/** The decisions of one rule set and direction, remembered by header name (up to MAX_CACHED_NAMES each way). */
class NameDecisions {
  readonly #byName = new Map<string, Decision>();
  /** By length and first and last characters (see inBlock), for names not sliced out of their block. */
  readonly #byHash = new Map<number, BlockName>();
  #blockNames = 0;

  constructor(
    private readonly direction: 'request' | 'response',
    private readonly rules: CaptureConfig['headers'],
  ) {}

  /** The decision for a header name. */
  of(rawName: string): Decision {
    let decision = this.#byName.get(rawName);
    if (decision === undefined) {
      decision = decide(this.direction, rawName, this.rules);
      if (this.#byName.size < MAX_CACHED_NAMES) this.#byName.set(rawName, decision);
    }
    return decision;
  }

  /**
   * The decision for the name `block.slice(start, end)`, found without
   * slicing it out: by its length and first and last characters, then
   * compared in place.
   */
  inBlock(block: string, start: number, end: number): Decision {
    const hash =
      ((end - start) << 16) | ((block.charCodeAt(start) & 0xff) << 8) | (block.charCodeAt(end - 1) & 0xff);
    const first = this.#byHash.get(hash);
    for (let name = first; name !== undefined; name = name.next)
      if (name.raw.length === end - start && block.startsWith(name.raw, start)) return name.decision;
    const raw = block.slice(start, end);
    const decision = this.of(raw);
    if (this.#blockNames < MAX_CACHED_NAMES) {
      this.#byHash.set(hash, { raw, decision, next: first });
      this.#blockNames++;
    }
    return decision;
  }
}

function decide(
  direction: 'request' | 'response',
  rawName: string,
  rules: CaptureConfig['headers'],
): Decision {
  const name = rawName.toLowerCase();
  const allow = rules.mode === 'allowlist' ? rules.allowlist : undefined;
  if (allow ? !allow.includes(name) : NOISE.has(name)) return null;
  return { key: internedKey(`http.${direction}.header.${name}`), secret: isSecret(name, rules.redact) };
}

export function isSecret(name: string, extra: readonly string[]): boolean {
  return ALWAYS.has(name) || SECRET_LOOKING.test(name) || extra.includes(name);
}

/** undici's header forms (a flat [name, value, ...] array of strings or Buffers, or "name: value\r\n" text) as a record. */
export function undiciHeaders(headers: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) {
      const name = String(headers[i]).toLowerCase();
      const value = String(headers[i + 1]);
      out[name] = out[name] === undefined ? value : `${out[name]}, ${value}`;
    }
  } else if (typeof headers === 'string') {
    for (const line of headers.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) out[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
  }
  return out;
}
