/** Error catalogue of the HTTP API: stable codes, a sentence that says how to fix it. */
export const API_ERRORS = {
  BAD_REQUEST: 400,
  SEARCH_SYNTAX: 400,
  BAD_RANGE: 400,
  BAD_TRACE_ID: 400,
  NOT_FOUND: 404,
  FORBIDDEN_SQL: 403,
  QUERY_FAILED: 400,
  STORE_FAILED: 500,
  STORE_UNAVAILABLE: 503,
} as const;

export type ApiErrorCode = keyof typeof API_ERRORS;

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get status(): number {
    return API_ERRORS[this.code];
  }
}
