/** A span's attributes sorted into the sections of the span panel (pure; see span-panel.tsx). */
import { textOf } from './trace-values.ts';

export interface Attribute {
  readonly key: string;
  readonly value: string;
}

export interface Header {
  /** The header's name as captured (lower-case). */
  readonly name: string;
  readonly value: string;
  /** The agent replaced a secret's value with "[REDACTED]". */
  readonly redacted: boolean;
}

/** A captured body: `<key>` with the agent's markers `<key>.size`, `<key>.truncated`, `<key>.encoding`. */
export interface Payload {
  readonly key: string;
  readonly label: string;
  readonly value: string;
  readonly truncated: boolean;
  /** The body's full size in bytes, when the agent recorded it. */
  readonly size?: number;
  /** `base64` for binary bodies. */
  readonly encoding?: string;
}

export interface AttributeGroups {
  readonly http: Attribute[];
  readonly requestHeaders: Header[];
  readonly responseHeaders: Header[];
  readonly payloads: Payload[];
  readonly database: Attribute[];
  /** db.query.text (or the older db.statement): shown as a block. */
  readonly statement?: Attribute;
  readonly messaging: Attribute[];
  readonly rpc: Attribute[];
  readonly code: Attribute[];
  /** code.stacktrace: where an error or slow span was at its end. */
  readonly stacktrace?: string;
  readonly other: Attribute[];
}

export const REDACTED = '[REDACTED]';
const PAYLOAD_LABELS: Record<string, string> = {
  'http.request.payload': 'Request body',
  'http.response.payload': 'Response body',
  'messaging.message.payload': 'Message',
};
const HEADER = /^http\.(request|response)\.header\.(.+)$/;
const MARKER = /^(.*\.payload)\.(size|truncated|encoding)$/;

// The keys each section shows first, in this order; the section's other keys follow by name.
const LEADS = {
  http: [
    'http.request.method',
    'http.route',
    'url.full',
    'url.path',
    'url.query',
    'http.response.status_code',
    'server.address',
    'server.port',
  ],
  database: ['db.system.name', 'db.system', 'db.namespace', 'db.operation.name', 'db.collection.name'],
  messaging: [
    'messaging.system',
    'messaging.destination.name',
    'messaging.operation.type',
    'messaging.operation.name',
  ],
  rpc: ['rpc.system', 'rpc.service', 'rpc.method'],
  code: ['code.function.name', 'code.file.path', 'code.line.number', 'code.column.number'],
};

// Connection attributes (server.*, network.* ...) belong to whichever protocol the span speaks.
const SHARED = /^(server|client|network|peer|net)\./;

type Section = 'http' | 'database' | 'messaging' | 'rpc' | 'code' | 'other';

export function groupAttributes(attributes: Readonly<Record<string, unknown>>): AttributeGroups {
  const entries = Object.entries(attributes).map(([key, v]) => ({ key, value: String(v) }));
  const keys = new Set(entries.map((e) => e.key));
  const protocol = protocolOf(keys);
  const sections: Record<Section, Attribute[]> = {
    http: [],
    database: [],
    messaging: [],
    rpc: [],
    code: [],
    other: [],
  };
  const requestHeaders: Header[] = [];
  const responseHeaders: Header[] = [];
  const payloads: Payload[] = [];
  let statement: Attribute | undefined;
  let stacktrace: string | undefined;
  for (const entry of entries) {
    const { key, value } = entry;
    const header = HEADER.exec(key);
    if (header) {
      (header[1] === 'request' ? requestHeaders : responseHeaders).push({
        name: header[2]!,
        value,
        redacted: value === REDACTED,
      });
    } else if (isPayloadKey(key)) {
      payloads.push(payloadOf(key, attributes));
    } else if (MARKER.test(key) && isPayloadKey(MARKER.exec(key)![1]!) && keys.has(MARKER.exec(key)![1]!)) {
      // Shown with its payload.
    } else if ((key === 'db.query.text' || key === 'db.statement') && !statement) {
      statement = entry;
    } else if (key === 'code.stacktrace') {
      stacktrace = value;
    } else {
      sections[sectionOf(key, protocol)].push(entry);
    }
  }
  const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
  return {
    http: ordered(sections.http, LEADS.http),
    requestHeaders: requestHeaders.sort(byName),
    responseHeaders: responseHeaders.sort(byName),
    payloads: payloads.sort((a, b) => payloadRank(a.key) - payloadRank(b.key) || a.key.localeCompare(b.key)),
    database: ordered(sections.database, LEADS.database),
    ...(statement ? { statement } : {}),
    messaging: ordered(sections.messaging, LEADS.messaging),
    rpc: ordered(sections.rpc, LEADS.rpc),
    code: ordered(sections.code, LEADS.code),
    ...(stacktrace !== undefined ? { stacktrace } : {}),
    other: ordered(sections.other, []),
  };
}

function isPayloadKey(key: string): boolean {
  return key in PAYLOAD_LABELS || key.endsWith('.payload');
}

function payloadOf(key: string, attributes: Readonly<Record<string, unknown>>): Payload {
  const size = Number(attributes[`${key}.size`]);
  const encoding = attributes[`${key}.encoding`];
  const value = String(attributes[key]);
  return {
    key,
    label: PAYLOAD_LABELS[key] ?? key,
    value,
    truncated:
      String(attributes[`${key}.truncated`]) === 'true' ||
      (Number.isFinite(size) && encoding === undefined && size > new TextEncoder().encode(value).length),
    ...(Number.isFinite(size) ? { size } : {}),
    ...(encoding !== undefined ? { encoding: textOf(encoding) } : {}),
  };
}

function payloadRank(key: string): number {
  const rank = Object.keys(PAYLOAD_LABELS).indexOf(key);
  return rank < 0 ? 99 : rank;
}

function protocolOf(keys: ReadonlySet<string>): Section {
  const has = (prefix: string) => [...keys].some((k) => k.startsWith(prefix));
  if (has('http.') || has('url.')) return 'http';
  if (has('db.')) return 'database';
  if (has('messaging.')) return 'messaging';
  if (has('rpc.')) return 'rpc';
  return 'other';
}

function sectionOf(key: string, protocol: Section): Section {
  if (key.startsWith('http.') || key.startsWith('url.') || key === 'user_agent.original') return 'http';
  if (key.startsWith('db.')) return 'database';
  if (key.startsWith('messaging.')) return 'messaging';
  if (key.startsWith('rpc.')) return 'rpc';
  if (key.startsWith('code.')) return 'code';
  if (SHARED.test(key)) return protocol;
  return 'other';
}

function ordered(list: Attribute[], leads: readonly string[]): Attribute[] {
  const rank = (key: string) => {
    const i = leads.indexOf(key);
    return i < 0 ? leads.length : i;
  };
  return list.sort((a, b) => rank(a.key) - rank(b.key) || a.key.localeCompare(b.key));
}

/**
 * A body for reading: JSON re-indented when it parses; a cut JSON body (truncated, so it
 * cannot parse) indented by its brackets anyway; anything else as it is.
 */
export function prettyPayload(text: string): { text: string; format: 'json' | 'partial-json' | 'text' } {
  const trimmed = text.trim();
  if (!/^[[{]/.test(trimmed)) return { text, format: 'text' };
  try {
    return { text: JSON.stringify(JSON.parse(trimmed), null, 2), format: 'json' };
  } catch {
    return { text: indentJsonLike(trimmed), format: 'partial-json' };
  }
}

/** Indents by brackets and commas outside strings, without parsing (so a prefix of JSON works). */
export function indentJsonLike(text: string): string {
  let out = '';
  let depth = 0;
  let inString = false;
  const newline = () => '\n' + '  '.repeat(Math.max(0, depth));
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === '\\' && i + 1 < text.length) out += text[++i];
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      inString = true;
      out += c;
    } else if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      let j = i + 1;
      while (j < text.length && /\s/.test(text[j]!)) j++;
      if (text[j] === close) {
        out += c + close;
        i = j;
      } else {
        depth++;
        out += c + newline();
      }
    } else if (c === '}' || c === ']') {
      depth--;
      out += newline() + c;
    } else if (c === ',') {
      out += ',' + newline();
    } else if (c === ':') {
      out += ': ';
    } else if (!/\s/.test(c)) {
      out += c;
    }
  }
  return out;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
