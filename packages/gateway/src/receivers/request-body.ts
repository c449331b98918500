/**
 * A request body as it arrived: the chunks of the socket's reads (or the one
 * buffer a decompression produced), not yet joined into one Buffer.
 */
export interface RequestBody {
  readonly chunks: readonly Buffer[];
  /** Total bytes of the chunks. */
  readonly size: number;
}

/** Bodies up to this size are joined into the shared buffer; larger ones (rare) get their own. */
const SHARED_LIMIT = 8 * 1024 * 1024;

/** The buffer that bodies are joined into, grown to the largest body seen (up to SHARED_LIMIT). */
let shared = Buffer.allocUnsafeSlow(0);

/**
 * The body as one Buffer, VALID ONLY UNTIL THE NEXT CALL: one chunk is
 * returned as is; several are copied into a buffer shared by all requests.
 * Joining a fresh Buffer per request (Buffer.concat) cost an allocation the
 * size of every body, which, being outside the JS heap, drove garbage
 * collections ("external memory pressure") in the gateway. This is safe
 * because the caller decodes the result at once, synchronously, and
 * decodeRequest keeps nothing of its input (its rows are copies).
 */
export function joinForDecode(body: RequestBody): Buffer {
  if (body.chunks.length === 1) return body.chunks[0]!;
  if (body.size > SHARED_LIMIT) return Buffer.concat(body.chunks, body.size);
  if (shared.length < body.size)
    shared = Buffer.allocUnsafeSlow(Math.max(body.size, 2 * shared.length, 64 * 1024));
  let at = 0;
  for (const chunk of body.chunks) at += chunk.copy(shared, at);
  return shared.subarray(0, at);
}

/** A body held in one Buffer. */
export function wholeBody(buf: Buffer): RequestBody {
  return { chunks: [buf], size: buf.length };
}
