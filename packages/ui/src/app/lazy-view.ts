import { lazy, type ComponentType } from 'react';

type ViewModule = { default: ComponentType };

export type LazyView = ComponentType & {
  /** Starts loading the view's chunk; resolves when it is ready. */
  preload(): Promise<ViewModule>;
};

/**
 * React.lazy, plus preload(). A view that is already loaded renders at once: its loader
 * hands React a thenable that resolves synchronously, so there is no Suspense fallback
 * and none of React's fallback throttling (up to 300 ms) on the first page.
 */
export function lazyView(load: () => Promise<ViewModule>): LazyView {
  let loaded: ViewModule | undefined;
  let pending: Promise<ViewModule> | undefined;
  const preload = () =>
    (pending ??= load().then((m) => {
      loaded = m;
      return m;
    }));
  const Component = lazy(() => {
    if (loaded) {
      const module = loaded;
      // A synchronous thenable: React reads the module in the same render.
      return {
        then: (resolve: (m: ViewModule) => void) => resolve(module),
      } as unknown as Promise<ViewModule>;
    }
    return preload();
  });
  return Object.assign(Component, { preload });
}
