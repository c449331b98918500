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
  headers: Record<string, HeaderValue> | undefined,
  rules: CaptureConfig['headers'],
  into: Attributes,
): void {
  if (!headers || rules.mode === 'off') return;
  const decisions = decisionsFor(rules, direction);
  for (const rawName in headers) {
    const value = headers[rawName];
    if (value === undefined) continue;
    let decision = decisions.get(rawName);
    if (decision === undefined) {
      decision = decide(direction, rawName, rules);
      if (decisions.size < MAX_CACHED_NAMES) decisions.set(rawName, decision);
    }
    if (decision === null) continue;
    into[decision.key] = decision.secret ? REDACTED : Array.isArray(value) ? value.join(', ') : String(value);
  }
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
