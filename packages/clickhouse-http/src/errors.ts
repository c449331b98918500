/**
 * ClickHouse-style errors: the numeric code, its name, the HTTP status
 * ClickHouse answers with, and the text body
 * `Code: 62. DB::Exception: <message>. (SYNTAX_ERROR) (version x.y.z)`
 * that ClickHouse clients parse (e.g. @clickhouse/client's parseError).
 */

/** The ClickHouse error codes this package raises itself or maps specially. */
export const ErrorCode = {
  UNSUPPORTED_METHOD: 1,
  CANNOT_READ_ALL_DATA: 33,
  BAD_ARGUMENTS: 36,
  NOT_IMPLEMENTED: 48,
  NO_SUCH_COLUMN_IN_TABLE: 16,
  UNKNOWN_TABLE: 60,
  SYNTAX_ERROR: 62,
  UNKNOWN_FORMAT: 73,
  UNKNOWN_DATABASE: 81,
  UNKNOWN_COMPRESSION_METHOD: 89,
  READONLY: 164,
  QUERY_IS_TOO_LARGE: 229,
  ZLIB_INFLATE_FAILED: 354,
  INTO_OUTFILE_NOT_ALLOWED: 358,
  FORMAT_IS_NOT_SUITABLE_FOR_OUTPUT: 399,
  BROTLI_READ_FAILED: 448,
  UNKNOWN_EXCEPTION: 1002,
} as const;

const NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(ErrorCode).map(([name, code]) => [code, name]),
);

/** An error to send to the HTTP client the way ClickHouse would. */
export class ClickHouseHttpError extends Error {
  override readonly name = 'ClickHouseHttpError';
  constructor(
    readonly code: number,
    /** The message without the `Code: n. DB::Exception:` prefix and the `(TYPE)` suffix. */
    readonly text: string,
    /** ClickHouse's error name, e.g. SYNTAX_ERROR. */
    readonly type: string = NAMES.get(code) ?? 'UNKNOWN_EXCEPTION',
    /** Overrides the status derived from the code. */
    readonly httpStatus: number = httpStatusForCode(code),
  ) {
    super(`Code: ${code}. DB::Exception: ${text}. (${type})`);
  }
}

const BAD_REQUEST = new Set([
  6, 8, 15, 25, 26, 27, 36, 37, 38, 41, 44, 53, 62, 72, 117, 123, 167, 168, 223, 321, 376, 427, 441, 676, 677,
]);
const NOT_FOUND = new Set([46, 47, 50, 56, 60, 63, 73, 78, 81, 115, 152, 336, 511]);
const FORBIDDEN = new Set([164, 192, 193, 497, 512, 516]);

/**
 * The HTTP status for a ClickHouse error code, following ClickHouse's
 * exceptionCodeToHTTPStatus, except READONLY (164) which is answered with 403
 * here (ClickHouse itself answers 500) so a refused write is easy to tell apart.
 */
export function httpStatusForCode(code: number): number {
  if (code === 194) return 401; // REQUIRED_PASSWORD
  if (FORBIDDEN.has(code)) return 403;
  if (BAD_REQUEST.has(code)) return 400;
  if (NOT_FOUND.has(code)) return 404;
  if (code === 229) return 413; // QUERY_IS_TOO_LARGE
  if (code === 48) return 501; // NOT_IMPLEMENTED
  if (code === 209 || code === 76 || code === 439) return 503;
  if (code === 381) return 411; // HTTP_LENGTH_REQUIRED
  if (code === 159) return 408; // TIMEOUT_EXCEEDED
  return 500;
}

const PREFIX = /^Code: (\d+)\. DB::Exception: /;
const SUFFIX = /[.:]?\s*\(([A-Z][A-Z0-9_]{2,})\)(?: \(version [^()]*\))?\.?\s*$/;

/**
 * Turns whatever a query failed with (a StoreError from the engine, whose
 * message may repeat the `Code:` prefix and the `(TYPE) (version)` suffix
 * several times, or any other error) into a ClickHouseHttpError.
 */
export function toClickHouseHttpError(err: unknown): ClickHouseHttpError {
  if (err instanceof ClickHouseHttpError) return err;
  const e = err as { message?: unknown; clickhouseCode?: unknown } | null | undefined;
  let text = typeof e?.message === 'string' ? e.message.trim() : String(err);
  let code = typeof e?.clickhouseCode === 'number' && e.clickhouseCode > 0 ? e.clickhouseCode : 0;
  for (let m = PREFIX.exec(text); m; m = PREFIX.exec(text)) {
    if (code === 0) code = Number(m[1]);
    text = text.slice(m[0].length);
  }
  let type: string | undefined;
  for (let m = SUFFIX.exec(text); m && (type === undefined || m[1] === type); m = SUFFIX.exec(text)) {
    type = m[1];
    text = text.slice(0, m.index);
  }
  if (code === 0) code = ErrorCode.UNKNOWN_EXCEPTION;
  return new ClickHouseHttpError(
    code,
    text || 'Unknown error',
    type ?? NAMES.get(code) ?? 'UNKNOWN_EXCEPTION',
  );
}

/** The response body ClickHouse sends for an exception. */
export function formatErrorBody(err: ClickHouseHttpError, version: string): string {
  const sep = /[.!?]$/.test(err.text) ? ' ' : '. ';
  return `Code: ${err.code}. DB::Exception: ${err.text}${sep}(${err.type}) (version ${version})\n`;
}
