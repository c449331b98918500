import type { Attributes } from '@opentelemetry/api';
import type { CaptureConfig } from '../config/agent-config.ts';
import { ALWAYS_REDACTED_HEADERS } from '../config/config-constants.ts';

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
 * Headers as span attributes `http.<direction>.header.<name>` (lower-case
 * name, values joined with ", "). Secrets are replaced by [REDACTED] in every
 * mode: the always-redacted list, the configured names, and names that look
 * secret (token, secret, password, api-key, session, ...).
 */
export function headerAttributes(
  direction: 'request' | 'response',
  headers: Record<string, HeaderValue> | string | undefined,
  rules: CaptureConfig['headers'],
  into: Attributes,
): void {
  if (!headers || rules.mode === 'off') return;
  if (typeof headers === 'string') return headerBlockAttributes(direction, headers, rules, into);
  const decisions = decisionsFor(rules, direction);
  for (const rawName in headers) {
    const value = headers[rawName];
    if (value === undefined) continue;
    const decision = decisionFor(decisions, direction, rawName, rules);
    if (decision === null) continue;
    into[decision.key] = decision.secret ? REDACTED : Array.isArray(value) ? value.join(', ') : String(value);
  }
}

/**
 * The same from a header block as node:http writes it (`res._header`: a
 * start line, then `Name: value` lines, each ending with CRLF, then an empty
 * line): read in place, without the headers object getHeaders() would build
 * (a dictionary-mode copy made with Object.keys, costly per response). A
 * name sent twice has its values joined with ", ", as getHeaders() would.
 */
function headerBlockAttributes(
  direction: 'request' | 'response',
  block: string,
  rules: CaptureConfig['headers'],
  into: Attributes,
): void {
  const decisions = decisionsFor(rules, direction);
  let joined: string[] | undefined;
  let at = block.indexOf('\r\n') + 2; // after the start line
  while (at > 1 && at < block.length) {
    const eol = block.indexOf('\r\n', at);
    if (eol === -1 || eol === at) return; // the empty line ends the block
    const colon = block.indexOf(':', at);
    if (colon !== -1 && colon < eol) {
      const rawName = block.slice(at, colon);
      const decision = decisionFor(decisions, direction, rawName, rules);
      if (decision !== null) {
        // node:http writes `${name}: ${value}`: the value is what follows ": ", as it was set.
        const start = block.charCodeAt(colon + 1) === 32 ? colon + 2 : colon + 1;
        const value = decision.secret ? REDACTED : block.slice(start, eol);
        const key = decision.key;
        if (into[key] !== undefined && joined?.includes(key)) {
          if (!decision.secret) into[key] = `${String(into[key])}, ${value}`;
        } else {
          into[key] = value;
          (joined ??= []).push(key);
        }
      }
    }
    at = eol + 2;
  }
}

/** The value of header `name` (lower-case) in a header block (see headerBlockAttributes), or undefined. */
export function blockHeader(block: string, name: string): string | undefined {
  let at = block.indexOf('\r\n') + 2;
  while (at > 1 && at < block.length) {
    const eol = block.indexOf('\r\n', at);
    if (eol === -1 || eol === at) return undefined;
    const colon = at + name.length;
    if (block.charCodeAt(colon) === 58 /* : */ && block.slice(at, colon).toLowerCase() === name)
      return block.slice(block.charCodeAt(colon + 1) === 32 ? colon + 2 : colon + 1, eol);
    at = eol + 2;
  }
  return undefined;
}

/** What to do with one header name under one set of rules: skip it (null), or its attribute key. */
type Decision = { key: string; secret: boolean } | null;

/** Header names seen per rules object and direction; rules are replaced (never mutated) on a config change. */
const DECISIONS = new WeakMap<
  CaptureConfig['headers'],
  { request: Map<string, Decision>; response: Map<string, Decision> }
>();
/** A bound on remembered names (an application sending random header names must not grow it). */
const MAX_CACHED_NAMES = 512;

function decisionsFor(
  rules: CaptureConfig['headers'],
  direction: 'request' | 'response',
): Map<string, Decision> {
  let entry = DECISIONS.get(rules);
  if (!entry) DECISIONS.set(rules, (entry = { request: new Map(), response: new Map() }));
  return entry[direction];
}

/** The decision for a header name, remembered (up to MAX_CACHED_NAMES names per rules and direction). */
function decisionFor(
  decisions: Map<string, Decision>,
  direction: 'request' | 'response',
  rawName: string,
  rules: CaptureConfig['headers'],
): Decision {
  let decision = decisions.get(rawName);
  if (decision === undefined) {
    decision = decide(direction, rawName, rules);
    if (decisions.size < MAX_CACHED_NAMES) decisions.set(rawName, decision);
  }
  return decision;
}

function decide(
  direction: 'request' | 'response',
  rawName: string,
  rules: CaptureConfig['headers'],
): Decision {
  const name = rawName.toLowerCase();
  const allow = rules.mode === 'allowlist' ? rules.allowlist : undefined;
  if (allow ? !allow.includes(name) : NOISE.has(name)) return null;
  return { key: `http.${direction}.header.${name}`, secret: isSecret(name, rules.redact) };
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
