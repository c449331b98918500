/**
 * "Now" at start-up, handed out once. The start-up prefetch (app/prefetch-first-view.ts) and the
 * first view resolve a relative range like `now-15m` against the same instant, so their query
 * keys match and the view reuses the request already in flight. Later callers get Date.now().
 */
let startup: number | undefined = Date.now();

export function peekStartupNow(): number {
  return startup ?? Date.now();
}

export function takeStartupNow(): number {
  const now = startup ?? Date.now();
  startup = undefined;
  return now;
}
