/**
 * A failure of the store. `retryable` tells the caller whether the same
 * request may succeed later (server down, timeout, too many parts) or never
 * will (syntax error, unknown table, bad data).
 */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    message: string,
    /** ClickHouse's numeric error code, 0 when the failure was not ClickHouse's. */
    readonly clickhouseCode: number,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** ClickHouse error codes after which the same request can succeed later. */
const RETRYABLE_CODES = new Set([
  159, // TIMEOUT_EXCEEDED
  202, // TOO_MANY_SIMULTANEOUS_QUERIES
  209, // SOCKET_TIMEOUT
  210, // NETWORK_ERROR
  241, // MEMORY_LIMIT_EXCEEDED
  252, // TOO_MANY_PARTS
  242, // TABLE_IS_READ_ONLY
  319, // UNKNOWN_STATUS_OF_INSERT
  425, // SYSTEM_ERROR
]);

export function isRetryableClickHouseCode(code: number): boolean {
  return RETRYABLE_CODES.has(code);
}

/** The numeric code in a ClickHouse message ("Code: 62. DB::Exception: ..."), or 0. */
export function parseClickHouseCode(message: string): number {
  const m = /Code: (\d+)\./.exec(message);
  return m ? Number(m[1]) : 0;
}
