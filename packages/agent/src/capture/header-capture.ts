import type { Attributes } from '@opentelemetry/api';
import type { ServerResponse } from 'node:http';
import type { CaptureConfig } from '../config/agent-config.ts';
import {
  GroupMemo,
  ObjectSink,
  internedKey,
  type AttributeKey,
  type AttributeSink,
} from '../telemetry/attribute-encoding.ts';
import { ALWAYS_REDACTED_HEADERS } from '../config/config-constants.ts';
import { sameNameAt } from './ascii-case.ts';
import { messageField } from '../telemetry/message-field.ts';

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
 * writes it (see captureBlock), a raw list (`rawHeaders`: name, value,
 * name, value, ... as received), or a response's SentHeaders.
 */
export type CapturedHeaders = Record<string, HeaderValue> | string | readonly string[] | SentHeaders;

/** node:http's table of a response's headers as set (`kOutHeaders`): lower-case name to [name as set, value]. */
export type OutgoingHeaderTable = Readonly<Record<string, readonly [string, HeaderValue] | undefined>>;

/**
 * A response's headers as node:http sent them, from the two places it keeps
 * them: the table setHeader() and writeHead() fill, and the header block it
 * wrote from that table and its own lines (see captureSent).
 */
export class SentHeaders {
  constructor(
    readonly table: OutgoingHeaderTable,
    readonly block: string,
  ) {}

  /** The value of header `name` (lower-case) as sent, or undefined. */
  get(name: string): string | undefined {
    const value = this.table[name]?.[1];
    if (value !== undefined) return headerText(value);
    return NODE_ADDED.includes(name) || FRAMING.includes(name) ? blockHeader(this.block, name) : undefined;
  }
}

/** Lines node:http adds to a response's block itself (lib/_http_outgoing.js, _storeHeader), beyond the table. */
const NODE_ADDED = ['date', 'connection', 'keep-alive'];
/** Lines it adds too, but only when the application set neither. */
const FRAMING = ['transfer-encoding', 'content-length'];

/**
 * The response's headers as node:http sent them: its header table with its
 * header block (SentHeaders; read by the capture without a copy), the block
 * alone when it was written without a table (`writeHead(status, headers)`
 * with nothing set before), or getHeaders() when there is no block (a
 * response that ended without sending headers, or a replacement of
 * node:http's ServerResponse).
 */
export function sentHeaders(response: ServerResponse): CapturedHeaders {
  const block = messageField(response, '_header');
  if (typeof block !== 'string' || block.length === 0) return response.getHeaders();
  const table = headerTable(response);
  return table !== undefined ? new SentHeaders(table, block) : block;
}

/**
 * node:http's symbol for a response's header table (`kOutHeaders`, an own
 * property of every OutgoingMessage, null until a header is set): found on
 * the first response, null when this Node.js has none.
 */
let tableKey: symbol | null | undefined;

function headerTable(response: ServerResponse): OutgoingHeaderTable | undefined {
  if (tableKey === undefined)
    tableKey = Object.getOwnPropertySymbols(response).find((s) => s.description === 'kOutHeaders') ?? null;
  if (tableKey === null) return undefined;
  const table = (response as unknown as Record<symbol, unknown>)[tableKey];
  return typeof table === 'object' && table !== null ? (table as OutgoingHeaderTable) : undefined;
}

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
  if (headers instanceof SentHeaders) return captureSent(direction, headers, rules, sink);
  const decisions = decisionsFor(rules, direction);
  for (const rawName in headers) {
    const value = headers[rawName];
    if (value !== undefined) captureNamed(decisions, rawName, value, sink);
  }
}

/** One header by its name, as the rules decide: skipped, redacted, or its value as text. */
function captureNamed(
  decisions: NameDecisions,
  name: string,
  value: NonNullable<HeaderValue>,
  sink: AttributeSink,
): void {
  const decision = decisions.of(name);
  if (decision !== null) sink.string(decision.key, decision.secret ? REDACTED : headerText(value));
}

/** A header's value as text: a list joined with ", " (as getHeaders() and the block's repeated lines read). */
function headerText(value: NonNullable<HeaderValue>): string {
  return typeof value === 'string' ? value : Array.isArray(value) ? value.join(', ') : String(value);
}

/**
 * The same from a response's SentHeaders: the table first (names already
 * lower-case, values as set, in the block's order), without scanning the
 * block, which costs a server span more than the rest of its encoding
 * (bench/agent/RESULTS.md, fifteenth session); then the lines node:http
 * added itself, from the block, only those the rules capture: in `all` mode
 * Date, Connection and Keep-Alive are noise, and Transfer-Encoding or
 * Content-Length is added only when the table has neither.
 */
function captureSent(
  direction: 'request' | 'response',
  sent: SentHeaders,
  rules: CaptureConfig['headers'],
  sink: AttributeSink,
): void {
  // What is captured follows from the block and the rules (the block is written from the table),
  // and most responses of a route send the same block within a second: copied as written before.
  const memo = direction === 'response' ? RESPONSE_GROUPS : REQUEST_GROUPS;
  memo.key(rules, sent.block);
  if (sink.replayGroup(memo)) return;
  captureTable(direction, sent, rules, sink);
  sink.endGroup(memo);
}

/** The attributes captureSent wrote last, by header block (SentHeaders are a response's; a client's request can be one too). */
const RESPONSE_GROUPS = new GroupMemo();
const REQUEST_GROUPS = new GroupMemo();

function captureTable(
  direction: 'request' | 'response',
  sent: SentHeaders,
  rules: CaptureConfig['headers'],
  sink: AttributeSink,
): void {
  const decisions = decisionsFor(rules, direction);
  const table = sent.table;
  // Object.keys, not for-in: the table is a dictionary-mode object (null prototype), whose for-in
  // enumeration also filters each key (~20% slower, timed over express-like tables).
  const names = Object.keys(table);
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    const value = table[name]?.[1];
    if (value !== undefined) captureNamed(decisions, name, value, sink);
  }
  // In `all` mode (the default) node:http's own lines are noise: nothing to look for.
  if (decisions.capturesNodeLines())
    for (let i = 0; i < NODE_ADDED.length; i++) captureAdded(NODE_ADDED[i]!, sent, decisions, sink);
  if (table['content-length'] === undefined && table['transfer-encoding'] === undefined)
    for (let i = 0; i < FRAMING.length; i++) captureAdded(FRAMING[i]!, sent, decisions, sink);
}

/**
 * A line node:http added to the block (lower-case `name`), when it is there and the rules capture
 * it (the block is searched only then). One the application set is the table's, captured already.
 */
function captureAdded(name: string, sent: SentHeaders, decisions: NameDecisions, sink: AttributeSink): void {
  if (sent.table[name] !== undefined || decisions.of(name) === null) return;
  const value = blockHeader(sent.block, name);
  if (value !== undefined) captureNamed(decisions, name, value, sink);
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
    const decision = decisions.inList(raw[i]!);
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

/** A name read in place from a header block or a raw list, chained with the others of the same hash. */
interface BlockName {
  readonly raw: string;
  readonly decision: Decision;
  readonly next: BlockName | undefined;
}

/** The decisions of one rule set and direction, remembered by header name (up to MAX_CACHED_NAMES each way). */
class NameDecisions {
  readonly #byName = new Map<string, Decision>();
  /** By length and first and last characters (nameHash), for names read from a block or a raw list. */
  readonly #byHash = new Map<number, BlockName>();
  #hashedNames = 0;
  #nodeLines: boolean | undefined;

  constructor(
    private readonly direction: 'request' | 'response',
    private readonly rules: CaptureConfig['headers'],
  ) {}

  /** Whether the rules capture any of the lines node:http adds to every block itself (NODE_ADDED). */
  capturesNodeLines(): boolean {
    return (this.#nodeLines ??= NODE_ADDED.some((name) => this.of(name) !== null));
  }

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
    const hash = nameHash(block, start, end);
    const first = this.#byHash.get(hash);
    for (let name = first; name !== undefined; name = name.next)
      if (name.raw.length === end - start && block.startsWith(name.raw, start)) return name.decision;
    return this.#remember(hash, first, block.slice(start, end));
  }

  /**
   * The decision for a name from a raw list (each one a new string from the
   * parser): found the same way, then compared with `===`, where a Map keyed
   * by the name would first compute the new string's hash.
   */
  inList(raw: string): Decision {
    const hash = nameHash(raw, 0, raw.length);
    const first = this.#byHash.get(hash);
    for (let name = first; name !== undefined; name = name.next) if (name.raw === raw) return name.decision;
    return this.#remember(hash, first, raw);
  }

  #remember(hash: number, first: BlockName | undefined, raw: string): Decision {
    const decision = this.of(raw);
    if (this.#hashedNames < MAX_CACHED_NAMES) {
      this.#byHash.set(hash, { raw, decision, next: first });
      this.#hashedNames++;
    }
    return decision;
  }
}

/** A header name's hash for NameDecisions: its length and its first and last characters. */
function nameHash(source: string, start: number, end: number): number {
  return (
    ((end - start) << 16) | ((source.charCodeAt(start) & 0xff) << 8) | (source.charCodeAt(end - 1) & 0xff)
  );
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
