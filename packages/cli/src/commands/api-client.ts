/** A small client for a running Spyglass API, for the CLI's query commands. */
export class ApiClientError extends Error {
  override readonly name = 'ApiClientError';
  constructor(
    message: string,
    readonly status: number,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export async function callApi<T>(
  base: string,
  path: string,
  init: { method?: string; body?: unknown } = {},
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(new URL(path, base), {
      method: init.method ?? 'GET',
      ...(init.body !== undefined
        ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(init.body) }
        : {}),
    });
  } catch (err) {
    throw new ApiClientError(
      `cannot reach Spyglass at ${base} (${(err as Error).message}); is \`spyglass up\` running? (--api sets the address)`,
      0,
    );
  }
  const text = await response.text();
  const body = text ? (JSON.parse(text) as unknown) : {};
  if (!response.ok) {
    const error = (body as { error?: { message?: string; details?: Record<string, unknown> } }).error;
    throw new ApiClientError(error?.message ?? `HTTP ${response.status}`, response.status, error?.details);
  }
  return body as T;
}

/** `15m`, `2h`, `7d`, `30s` as milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/.exec(text.trim());
  if (!m) throw new RangeError(`"${text}" is not a duration like 30s, 15m, 2h or 7d`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[m[2] as 'ms'];
  return Number(m[1]) * unit;
}
