import '@mantine/core/styles.css';
import 'uplot/dist/uPlot.min.css';
import './global.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { BrowserRouter } from 'react-router';
import { AppRoutes, preloadView } from './app-routes.tsx';
import { prefetchFirstView } from './prefetch-first-view.ts';
import { theme } from './theme.ts';

const queryClient = new QueryClient({
  defaultOptions: {
    queries: { retry: 1, refetchOnWindowFocus: false, staleTime: 10_000 },
  },
});

const render = () =>
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <MantineProvider theme={theme} defaultColorScheme="auto">
        <QueryClientProvider client={queryClient}>
          <BrowserRouter>
            <AppRoutes />
          </BrowserRouter>
        </QueryClientProvider>
      </MantineProvider>
    </StrictMode>,
  );

// The first view's chunk is fetched before the first render (it is small and local), so the page
// appears with its view instead of a loading fallback; a failed fetch falls back to Suspense.
prefetchFirstView(window.location, queryClient);
preloadView(window.location.pathname).then(render, render);
