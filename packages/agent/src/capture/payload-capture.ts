import type { Attributes } from '@opentelemetry/api';

/**
 * Collects the first `maxBytes` of a body as it streams by, without
 * buffering more and without changing the stream (callers observe chunks the
 * application reads or writes). `total` counts every byte, so truncation can
 * be reported.
 */
export class PayloadCollector {
  readonly #chunks: Buffer[] = [];
  #kept = 0;
  total = 0;

  constructor(readonly maxBytes: number) {}

  add(chunk: unknown, encoding?: unknown): void {
    if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
    const buf =
      typeof chunk === 'string'
        ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
        : chunk instanceof Uint8Array
          ? chunk
          : undefined;
    if (!buf) return;
    this.total += buf.length;
    const room = this.maxBytes - this.#kept;
    if (room <= 0) return;
    const piece = buf.length <= room ? buf : buf.subarray(0, room);
    // Copy: the application may reuse its buffer after the write.
    this.#chunks.push(Buffer.from(piece));
    this.#kept += piece.length;
  }

  /**
   * Sets `<name>` (UTF-8 text; binary content as base64 with `<name>.encoding`),
   * `<name>.size` (all bytes) and, when cut, `<name>.truncated` = true.
   */
  writeTo(name: string, into: Attributes): void {
    if (this.total === 0) return;
    payloadAttributes(name, this.kept(), this.total, this.total > this.#kept, into);
  }

  /** The bytes kept so far (the first `maxBytes` at most). */
  kept(): Buffer {
    return Buffer.concat(this.#chunks);
  }
}

/**
 * `<name>` (UTF-8 text; binary content, which has a NUL byte, as base64 with
 * `<name>.encoding`), `<name>.size` and, when `truncated`, `<name>.truncated` = true.
 */
export function payloadAttributes(
  name: string,
  bytes: Buffer,
  size: number,
  truncated: boolean,
  into: Attributes,
): void {
  if (bytes.includes(0)) {
    into[name] = bytes.toString('base64');
    into[`${name}.encoding`] = 'base64';
  } else {
    into[name] = bytes.toString('utf8');
  }
  into[`${name}.size`] = size;
  if (truncated) into[`${name}.truncated`] = true;
}

/** True when a body of this content type is text worth capturing. */
export function capturableContentType(contentType: unknown, allowed: readonly string[]): boolean {
  if (typeof contentType !== 'string' || contentType === '') return false;
  const type = contentType.toLowerCase();
  return allowed.some(
    (prefix) => type.startsWith(prefix) || (prefix.includes('json') && type.includes('+json')),
  );
}

/** A message payload (Buffer or string) as attributes `messaging.message.payload[.size|.truncated]`. */
export function messagePayloadAttributes(value: unknown, maxBytes: number, into: Attributes): void {
  if (value === null || value === undefined) return;
  const collector = new PayloadCollector(maxBytes);
  collector.add(value);
  collector.writeTo('messaging.message.payload', into);
}
