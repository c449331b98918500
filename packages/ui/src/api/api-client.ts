import type { ApiErrorBody } from './api-types.ts';

/** A failed API call: the API's error code and message, or NETWORK when the server did not answer. */
export class ApiFailure extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, status: number, details?: Record<string, unknown>) {
    super(message);
    this.name = 'ApiFailure';
    this.code = code;
    this.status = status;
    this.details = details;
  }
}

type Query = Record<string, string | number | undefined>;

export function apiGet<T>(path: string, query: Query = {}, signal?: AbortSignal): Promise<T> {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
  const qs = params.toString();
  return request<T>(qs ? `${path}?${qs}` : path, { method: 'GET', signal: signal ?? null });
}

/** A JSON request with a body (POST unless told otherwise); an undefined body sends none. */
export function apiPost<T>(
  path: string,
  body: unknown,
  signal?: AbortSignal,
  method: 'POST' | 'PUT' | 'DELETE' = 'POST',
): Promise<T> {
  return request<T>(path, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    signal: signal ?? null,
  });
}

async function request<T>(path: string, init: RequestInit): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, init);
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiFailure('NETWORK', 'Spyglass did not answer. Is `spyglass up` running?', 0);
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    throw new ApiFailure(
      'BAD_RESPONSE',
      `The server answered ${res.status} with a body that is not JSON`,
      res.status,
    );
  }
  if (!res.ok) {
    const error = (body as ApiErrorBody | undefined)?.error;
    throw new ApiFailure(
      error?.code ?? 'HTTP_' + res.status,
      error?.message ?? `The server answered ${res.status}`,
      res.status,
      error?.details,
    );
  }
  return body as T;
}
