import { Suspense } from 'react';
import { Navigate, Route, Routes } from 'react-router';
import { Center, Loader } from '@mantine/core';
import { AppLayout } from './app-layout.tsx';
import { lazyView, type LazyView } from './lazy-view.ts';

// Each view loads on first visit, so the first page downloads only what it shows.
const SearchPage = lazyView(() => import('../features/search/search-page.tsx'));
const TracePage = lazyView(() => import('../features/trace/trace-page.tsx'));
const ServicesPage = lazyView(() => import('../features/services/services-page.tsx'));
const ServicePage = lazyView(() => import('../features/services/service-page.tsx'));
const ServiceMapPage = lazyView(() => import('../features/service-map/service-map-page.tsx'));
const SqlPage = lazyView(() => import('../features/sql/sql-page.tsx'));

/** The view a path shows (the first match of the routes below). */
function viewFor(pathname: string): LazyView {
  if (pathname.startsWith('/trace/')) return TracePage;
  if (pathname.startsWith('/services/')) return ServicePage;
  if (pathname.startsWith('/services')) return ServicesPage;
  if (pathname.startsWith('/service-map')) return ServiceMapPage;
  if (pathname.startsWith('/sql')) return SqlPage;
  return SearchPage;
}

/** Loads the chunk of the view at `pathname`, so that the first render shows it without a fallback. */
export function preloadView(pathname: string): Promise<unknown> {
  return viewFor(pathname).preload();
}

export function AppRoutes() {
  return (
    <AppLayout>
      <Suspense
        fallback={
          <Center h="50vh">
            <Loader />
          </Center>
        }
      >
        <Routes>
          <Route path="/" element={<Navigate to="/search" replace />} />
          <Route path="/search" element={<SearchPage />} />
          <Route path="/trace/:traceId" element={<TracePage />} />
          <Route path="/services" element={<ServicesPage />} />
          <Route path="/services/:name" element={<ServicePage />} />
          <Route path="/service-map" element={<ServiceMapPage />} />
          <Route path="/sql" element={<SqlPage />} />
          <Route path="*" element={<Navigate to="/search" replace />} />
        </Routes>
      </Suspense>
    </AppLayout>
  );
}
