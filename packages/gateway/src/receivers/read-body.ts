import type { IncomingMessage } from 'node:http';
import { gunzip, inflate } from 'node:zlib';
import { promisify } from 'node:util';
import { wholeBody, type RequestBody } from './request-body.ts';

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);

export type BodyResult =
  | { readonly kind: 'ok'; readonly body: RequestBody }
  | { readonly kind: 'too-large'; readonly message: string }
  | { readonly kind: 'bad-encoding'; readonly message: string }
  | { readonly kind: 'corrupt'; readonly message: string };

/**
 * Reads a request body, refusing more than `limit` bytes both on the wire and
 * after decompression (a gzip bomb stops at `limit`, it is never inflated whole).
 * The body comes in the chunks it arrived in (see joinForDecode).
 */
export function readBody(req: IncomingMessage, limit: number): Promise<BodyResult> {
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase().trim();
  if (encoding !== 'identity' && encoding !== 'gzip' && encoding !== 'deflate') {
    req.resume();
    return Promise.resolve({
      kind: 'bad-encoding',
      message: `unsupported Content-Encoding "${encoding}" (use gzip or none)`,
    });
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    req.resume();
    return Promise.resolve({
      kind: 'too-large',
      message: `request body of ${declared} bytes exceeds the limit of ${limit} bytes`,
    });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        done = true;
        resolve({ kind: 'too-large', message: `request body exceeds the limit of ${limit} bytes` });
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', () => {
      if (!done) {
        done = true;
        resolve({ kind: 'corrupt', message: 'the request body could not be read' });
      }
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      // Joined only when decoded (see joinForDecode), except to inflate.
      if (encoding === 'identity') return resolve({ kind: 'ok', body: { chunks, size } });
      const raw = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
      const inflater = encoding === 'gzip' ? gunzipAsync : inflateAsync;
      inflater(raw, { maxOutputLength: limit }).then(
        (body) => resolve({ kind: 'ok', body: wholeBody(body) }),
        (err: NodeJS.ErrnoException) =>
          resolve(
            err.code === 'ERR_BUFFER_TOO_LARGE'
              ? {
                  kind: 'too-large',
                  message: `decompressed request body exceeds the limit of ${limit} bytes`,
                }
              : { kind: 'corrupt', message: `invalid ${encoding} body: ${err.message}` },
          ),
      );
    });
  });
}
