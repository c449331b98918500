// Imported: the global `Buffer` is an accessor on globalThis, whose getter runs at every read.
import { Buffer } from 'node:buffer';
import type { Attributes } from '@opentelemetry/api';
import {
  ObjectSink,
  attributeKey,
  type AttributeKey,
  type AttributeSink,
} from '../telemetry/attribute-encoding.ts';
import { sameNameAt } from './ascii-case.ts';

/**
 * Collects the first `maxBytes` of a body as it streams by, without
 * buffering more and without changing the stream (callers observe chunks the
 * application reads or writes). `total` counts every byte, so truncation can
 * be reported.
 */
export class PayloadCollector {
  /** Whole strings as given (immutable, so kept without a copy), or copies of bytes. */
  readonly #chunks: Array<Buffer | string> = [];
  #kept = 0;
  total = 0;

  constructor(readonly maxBytes: number) {}

  add(chunk: unknown, encoding?: unknown): void {
    if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
    if (typeof chunk === 'string') {
      const utf8 = typeof encoding !== 'string' || encoding === 'utf8' || encoding === 'utf-8';
      if (utf8) {
        const size = Buffer.byteLength(chunk, 'utf8');
        this.total += size;
        const room = this.maxBytes - this.#kept;
        if (room <= 0) return;
        if (size <= room) {
          this.#chunks.push(chunk);
          this.#kept += size;
        } else this.#keep(Buffer.from(chunk, 'utf8').subarray(0, room));
        return;
      }
      this.#addBytes(Buffer.from(chunk, encoding as BufferEncoding), true);
      return;
    }
    if (chunk instanceof Uint8Array) this.#addBytes(chunk, false);
  }

  #addBytes(bytes: Uint8Array, owned: boolean): void {
    this.total += bytes.length;
    const room = this.maxBytes - this.#kept;
    if (room <= 0) return;
    const piece = bytes.length <= room ? bytes : bytes.subarray(0, room);
    const buffer = Buffer.isBuffer(piece) ? piece : Buffer.from(piece.buffer, piece.byteOffset, piece.length);
    // The common case (express's res.send: one Buffer of text): kept as its text, which is
    // immutable, so neither a copy nor a concatenation is needed. Only whole UTF-8 sequences
    // are decoded, so later chunks join it without a broken character.
    if (this.#chunks.length === 0 && !buffer.includes(0) && endsOnCharacter(buffer)) {
      this.#chunks.push(buffer.toString('utf8'));
      this.#kept += buffer.length;
      return;
    }
    // Copy what the application passed: it may reuse its buffer after the write.
    this.#keep(owned ? buffer : Buffer.from(buffer));
  }

  #keep(bytes: Buffer): void {
    this.#chunks.push(bytes);
    this.#kept += bytes.length;
  }

  /**
   * Sets `<name>` (UTF-8 text; binary content as base64 with `<name>.encoding`),
   * `<name>.size` (all bytes) and, when cut, `<name>.truncated` = true.
   */
  writeTo(name: string, into: Attributes): void {
    this.writeToSink(payloadKeys(name), new ObjectSink(into, Infinity));
  }

  /** The same, into a sink (see attribute-encoding.ts). */
  writeToSink(keys: PayloadKeys, sink: AttributeSink): void {
    if (this.total === 0) return;
    // The common case (express's res.send): one whole string, written as is.
    const only = this.#chunks.length === 1 ? this.#chunks[0] : undefined;
    writePayload(
      keys,
      typeof only === 'string' ? only : this.kept(),
      this.total,
      this.total > this.#kept,
      sink,
    );
  }

  /** The bytes kept so far (the first `maxBytes` at most). */
  kept(): Buffer {
    return Buffer.concat(this.#chunks.map((c) => (typeof c === 'string' ? Buffer.from(c, 'utf8') : c)));
  }
}

/** Whether `bytes` ends with a whole UTF-8 sequence (an ASCII byte, or a complete multi-byte one). */
function endsOnCharacter(bytes: Uint8Array): boolean {
  const n = bytes.length;
  if (n === 0 || bytes[n - 1]! < 0x80) return true;
  // Find the last lead byte (at most 3 back) and check that its sequence is complete.
  for (let back = 1; back <= 4 && back <= n; back++) {
    const b = bytes[n - back]!;
    if ((b & 0xc0) === 0x80) continue; // a continuation byte
    const length = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return length === back;
  }
  return false;
}

/** The keys of a payload: `<name>`, `<name>.size`, `<name>.truncated`, `<name>.encoding`. */
export interface PayloadKeys {
  readonly content: AttributeKey;
  readonly size: AttributeKey;
  readonly truncated: AttributeKey;
  readonly encoding: AttributeKey;
}

/** The keys of payload `name`, built once per name. */
const PAYLOAD_KEYS = new Map<string, PayloadKeys>();
export function payloadKeys(name: string): PayloadKeys {
  let keys = PAYLOAD_KEYS.get(name);
  if (!keys) {
    keys = {
      content: attributeKey(name),
      size: attributeKey(`${name}.size`),
      truncated: attributeKey(`${name}.truncated`),
      encoding: attributeKey(`${name}.encoding`),
    };
    if (PAYLOAD_KEYS.size < 64) PAYLOAD_KEYS.set(name, keys);
  }
  return keys;
}

/**
 * `<name>` (UTF-8 text; binary content, which has a NUL byte, as base64 with
 * `<name>.encoding`), `<name>.size` and, when `truncated`, `<name>.truncated` = true.
 * `content` is the bytes, or text already decoded.
 */
export function payloadAttributes(
  name: string,
  content: Buffer | string,
  size: number,
  truncated: boolean,
  into: Attributes,
): void {
  writePayload(payloadKeys(name), content, size, truncated, new ObjectSink(into, Infinity));
}

function writePayload(
  keys: PayloadKeys,
  content: Buffer | string,
  size: number,
  truncated: boolean,
  sink: AttributeSink,
): void {
  const binary = typeof content === 'string' ? content.includes('\0') : content.includes(0);
  if (binary) {
    sink.string(keys.content, Buffer.from(content).toString('base64'));
    sink.string(keys.encoding, 'base64');
  } else {
    sink.string(keys.content, typeof content === 'string' ? content : content.toString('utf8'));
  }
  sink.int(keys.size, size);
  if (truncated) sink.bool(keys.truncated, true);
}

/** capturableContentType's last answer, for the content type and list it was given. */
const lastDecided: { type: string; allowed: readonly string[] | undefined; capturable: boolean } = {
  type: '',
  allowed: undefined,
  capturable: false,
};

/**
 * True when a body of this content type is text worth capturing: the type
 * starts with one of `allowed` (lower-case prefixes), letters compared
 * without case, or it is a `+json` type and a JSON type is allowed.
 */
export function capturableContentType(contentType: unknown, allowed: readonly string[]): boolean {
  if (typeof contentType !== 'string' || contentType === '') return false;
  // A service answers with one or two content types, each a new string per response (express
  // concatenates its charset: a cons string, which startsWith flattens first): the last answer is
  // kept, and one comparison costs less (bench:agent's trivial response: 88 -> 56 ns).
  if (contentType === lastDecided.type && allowed === lastDecided.allowed) return lastDecided.capturable;
  const capturable = decideContentType(contentType, allowed);
  lastDecided.type = contentType;
  lastDecided.allowed = allowed;
  lastDecided.capturable = capturable;
  return capturable;
}

function decideContentType(contentType: string, allowed: readonly string[]): boolean {
  // Most content types are written in lower case: one native comparison, then the letter-by-letter
  // one without case (~70 instructions a character on a sliced string) only when that fails.
  for (let i = 0; i < allowed.length; i++) {
    const prefix = allowed[i]!;
    if (contentType.startsWith(prefix) || sameNameAt(contentType, 0, prefix)) return true;
  }
  if (!allowed.some((prefix) => prefix.includes('json'))) return false;
  return contentType.toLowerCase().includes('+json');
}

/** A message payload (Buffer or string) as attributes `messaging.message.payload[.size|.truncated]`. */
export function messagePayloadAttributes(value: unknown, maxBytes: number, into: Attributes): void {
  if (value === null || value === undefined) return;
  const collector = new PayloadCollector(maxBytes);
  collector.add(value);
  collector.writeTo('messaging.message.payload', into);
}
