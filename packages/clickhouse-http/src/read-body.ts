import type { IncomingMessage } from 'node:http';
import { promisify } from 'node:util';
import { brotliDecompress, gunzip, inflate, inflateRaw, type ZlibOptions } from 'node:zlib';
import { ClickHouseHttpError, ErrorCode } from './errors.ts';

const gunzipAsync = promisify<Buffer, ZlibOptions, Buffer>(gunzip);
const inflateAsync = promisify<Buffer, ZlibOptions, Buffer>(inflate);
const inflateRawAsync = promisify<Buffer, ZlibOptions, Buffer>(inflateRaw);
const brotliAsync = promisify<Buffer, ZlibOptions, Buffer>(brotliDecompress);

export function tooLarge(maxBytes: number): ClickHouseHttpError {
  return new ClickHouseHttpError(
    ErrorCode.QUERY_IS_TOO_LARGE,
    `Request body is too large: the limit is ${maxBytes} bytes`,
  );
}

/**
 * Reads the request body, at most `maxBytes` of it (before and after
 * decompression), and decodes its Content-Encoding (gzip, deflate, br).
 */
export async function readRequestBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  const raw = await collect(req, maxBytes);
  return decode(raw, req.headers['content-encoding'], maxBytes);
}

/**
 * Collects the body. Past the limit it stops keeping data but keeps reading
 * (discarding), so the socket stays usable to send the 413 answer.
 */
function collect(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        cleanup();
        req.resume();
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const onClose = (): void =>
      onError(new Error('The client closed the connection before the body was complete'));
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

async function decode(body: Buffer, encodingHeader: string | undefined, maxBytes: number): Promise<Buffer> {
  const encoding = (encodingHeader ?? '').trim().toLowerCase();
  if (encoding === '' || encoding === 'identity' || body.length === 0) return body;
  const options: ZlibOptions = { maxOutputLength: maxBytes };
  try {
    if (encoding === 'gzip' || encoding === 'x-gzip') return await gunzipAsync(body, options);
    if (encoding === 'deflate') {
      // "deflate" is zlib-wrapped by the spec, raw deflate in practice for some clients.
      return await inflateAsync(body, options).catch((err: unknown) => {
        if (isTooLarge(err)) throw err;
        return inflateRawAsync(body, options);
      });
    }
    if (encoding === 'br') return await brotliAsync(body, options);
  } catch (err) {
    if (isTooLarge(err)) throw tooLarge(maxBytes);
    const code = encoding === 'br' ? ErrorCode.BROTLI_READ_FAILED : ErrorCode.ZLIB_INFLATE_FAILED;
    throw new ClickHouseHttpError(
      code,
      `Cannot decompress the request body (${encoding}): ${(err as Error).message}`,
    );
  }
  throw new ClickHouseHttpError(
    ErrorCode.UNKNOWN_COMPRESSION_METHOD,
    `Unsupported Content-Encoding '${encoding}': only gzip, deflate and br are supported`,
  );
}

function isTooLarge(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError;
}
