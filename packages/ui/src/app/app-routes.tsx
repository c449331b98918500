import { lazy, Suspense } from 'react';
import { Navigate, Route, Routes } from 'react-router';
import { Center, Loader } from '@mantine/core';
import { AppLayout } from './app-layout.tsx';

// Each view loads on first visit, so the first page downloads only what it shows.
const SearchPage = lazy(() => import('../features/search/search-page.tsx'));
const TracePage = lazy(() => import('../features/trace/trace-page.tsx'));
const ServicesPage = lazy(() => import('../features/services/services-page.tsx'));
const ServicePage = lazy(() => import('../features/services/service-page.tsx'));
const ServiceMapPage = lazy(() => import('../features/service-map/service-map-page.tsx'));
const SqlPage = lazy(() => import('../features/sql/sql-page.tsx'));

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
