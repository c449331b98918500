import { useCallback, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { Alert, Anchor, Card, Group, Loader, Skeleton, Stack, Text, Title } from '@mantine/core';
import { EmptyState, ErrorState } from '../../components/state-views.tsx';
import { TimeRangePicker } from '../../components/time-range-picker.tsx';
import { parseRedSort, formatRedSort, type RedSort } from '../../lib/red-sort.ts';
import { absoluteRange } from '../../lib/time-range.ts';
import { useUrlRange, useUrlState } from '../../lib/use-url-state.ts';
import { RedTable } from './red-table.tsx';
import { ServicesCharts } from './services-charts.tsx';
import { servicePath } from './service-path.ts';
import { useServices } from './use-red-data.ts';

const DEFAULT_SORT: RedSort = { key: 'requests', dir: 'desc' };

/** /services: RED of every service over the range, as charts and a sortable table. */
export default function ServicesPage() {
  const [refreshKey, setRefreshKey] = useState(0);
  const { range, resolved, setRange } = useUrlRange(refreshKey);
  const { get, set } = useUrlState();
  const navigate = useNavigate();
  const sort = parseRedSort(get('sort'), DEFAULT_SORT);
  const services = useServices(resolved);
  const onZoom = useCallback((from: number, to: number) => setRange(absoluteRange(from, to)), [setRange]);
  const list = services.data?.services ?? [];

  return (
    <Stack gap="md" data-testid="services-page">
      <Group justify="space-between" align="flex-end">
        <Stack gap={0}>
          <Title order={3}>Services</Title>
          <Text size="sm" c="dimmed">
            Rate, errors and duration of each service&apos;s incoming requests (server and consumer spans)
          </Text>
        </Stack>
        <Group gap="xs">
          {services.isFetching && <Loader size="xs" aria-label="Loading" />}
          <TimeRangePicker range={range} onChange={setRange} onRefresh={() => setRefreshKey((k) => k + 1)} />
        </Group>
      </Group>
      {services.data?.notice && <Alert color="yellow">{services.data.notice}</Alert>}
      {services.isError ? (
        <ErrorState error={services.error} title="Could not load services" />
      ) : services.isPending ? (
        <Stack gap="sm">
          <Skeleton h={200} />
          <Skeleton h={240} />
        </Stack>
      ) : list.length === 0 ? (
        <EmptyState title="No services in this time range">
          <Text size="sm">
            Services appear here once they send spans of incoming requests (server or consumer spans).
          </Text>
        </EmptyState>
      ) : (
        <>
          <ServicesCharts services={list} range={resolved} onZoom={onZoom} />
          <Card withBorder padding="xs">
            <RedTable
              items={list}
              nameLabel="Service"
              sort={sort}
              onSort={(s) => set({ sort: formatRedSort(s) }, { replace: true })}
              onRowClick={(s) => void navigate(servicePath(s.name, range))}
              colourChips
              renderName={(s) => (
                <Anchor
                  component={Link}
                  to={servicePath(s.name, range)}
                  c="inherit"
                  fw={500}
                  size="sm"
                  onClick={(e) => e.stopPropagation()}
                >
                  {s.name}
                </Anchor>
              )}
              testId="services-table"
              rowTestId="service-row"
              rowAttribute="data-service"
            />
          </Card>
        </>
      )}
    </Stack>
  );
}
