import { timingSafeEqual } from 'node:crypto';

/**
 * Ingest authentication as ClickStack does it: the `authorization` header
 * carries an API key as is, or as `Bearer <key>`. With no keys configured,
 * every request is allowed (the all-in-one then binds to loopback by default).
 */
export function createApiKeyCheck(keys: readonly string[]): (header: string | undefined) => boolean {
  if (keys.length === 0) return () => true;
  const expected = keys.map((k) => Buffer.from(k, 'utf8'));
  return (header) => {
    if (!header) return false;
    const presented = Buffer.from(header.replace(/^Bearer\s+/i, '').trim(), 'utf8');
    return expected.some((k) => k.length === presented.length && timingSafeEqual(k, presented));
  };
}
