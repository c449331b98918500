import { useCallback, useMemo } from 'react';
import { useSearchParams } from 'react-router';
import { takeStartupNow } from './startup-clock.ts';
import { DEFAULT_RANGE, resolveRange, type ResolvedRange, type UrlRange } from './time-range.ts';

/**
 * Every view keeps its state in the URL's query string, so the address bar is always a
 * shareable link. set() merges: keys given as undefined are removed.
 */
export function useUrlState(): {
  get: (key: string) => string | undefined;
  params: URLSearchParams;
  set: (changes: Record<string, string | undefined>, options?: { replace?: boolean }) => void;
} {
  const [params, setParams] = useSearchParams();
  const get = useCallback((key: string) => params.get(key) ?? undefined, [params]);
  const set = useCallback(
    (changes: Record<string, string | undefined>, options: { replace?: boolean } = {}) => {
      setParams(
        (prev) => {
          const next = new URLSearchParams(prev);
          for (const [k, v] of Object.entries(changes)) {
            if (v === undefined || v === '') next.delete(k);
            else next.set(k, v);
          }
          return next;
        },
        { replace: options.replace ?? false },
      );
    },
    [setParams],
  );
  return { get, set, params };
}

/**
 * The view's time range from `from`/`to` in the URL; `resolved` is recomputed when the
 * range or `refreshKey` changes (a refresh of a relative range moves it to now).
 */
export function useUrlRange(refreshKey = 0): {
  range: UrlRange;
  resolved: ResolvedRange;
  setRange: (range: UrlRange) => void;
} {
  const { get, set } = useUrlState();
  const from = get('from') ?? DEFAULT_RANGE.from;
  const to = get('to') ?? DEFAULT_RANGE.to;
  const range = useMemo(() => ({ from, to }), [from, to]);
  const resolved = useMemo(
    () => resolveRange(range, refreshKey === 0 ? takeStartupNow() : Date.now()),
    [range, refreshKey],
  );
  const setRange = useCallback((r: UrlRange) => set({ from: r.from, to: r.to }), [set]);
  return { range, resolved, setRange };
}
