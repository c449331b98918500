import { useCallback, useState } from 'react';
import { Link, useParams } from 'react-router';
import {
  Alert,
  Anchor,
  Breadcrumbs,
  Button,
  Card,
  CloseButton,
  ColorSwatch,
  Grid,
  Group,
  Loader,
  Skeleton,
  Stack,
  Text,
  Title,
} from '@mantine/core';
import { ErrorState } from '../../components/state-views.tsx';
import { TimeRangePicker } from '../../components/time-range-picker.tsx';
import { formatCount, formatDurationMs, formatPercent } from '../../lib/format.ts';
import { colourFor } from '../../lib/palette.ts';
import { lucene, redSpansQuery, searchHref, quoteSearchValue, errorsOnly } from '../../lib/red-search.ts';
import {
  errorCount,
  formatRedSort,
  mostFailingOperations,
  parseRedSort,
  slowestOperations,
  type RedSort,
} from '../../lib/red-sort.ts';
import { absoluteRange } from '../../lib/time-range.ts';
import { useUrlRange, useUrlState } from '../../lib/use-url-state.ts';
import { ExampleTraces } from './example-traces.tsx';
import { OperationRankList } from './operation-rank-list.tsx';
import { RedStats } from './red-stats.tsx';
import { RedTable } from './red-table.tsx';
import { ServiceRedCharts } from './service-red-charts.tsx';
import { useOperations, useServices } from './use-red-data.ts';

const DEFAULT_SORT: RedSort = { key: 'requests', dir: 'desc' };
const RANKED = 5;

/**
 * /services/:name: one service's RED over time, its operations, the slowest and most failing
 * of them, and example traces of the service or of the operation selected (`?op=`).
 */
export default function ServicePage() {
  const name = useParams()['name'] ?? '';
  const [refreshKey, setRefreshKey] = useState(0);
  const { range, resolved, setRange } = useUrlRange(refreshKey);
  const { get, set } = useUrlState();
  const sort = parseRedSort(get('sort'), DEFAULT_SORT);
  const selectedOp = get('op');
  const services = useServices(resolved);
  const operations = useOperations(name, resolved);
  const onZoom = useCallback((from: number, to: number) => setRange(absoluteRange(from, to)), [setRange]);

  const service = services.data?.services.find((s) => s.name === name);
  const ops = operations.data?.operations ?? [];
  const op = selectedOp === undefined ? undefined : ops.find((o) => o.name === selectedOp);
  const selectOp = (operation: string | undefined) => set({ op: operation });
  const serviceQuery = `service:${quoteSearchValue(name)}`;
  const spansQuery = redSpansQuery(name, selectedOp);
  const loading = services.isPending || operations.isPending;

  return (
    <Stack gap="md" data-testid="service-page">
      <Group justify="space-between" align="flex-end">
        <Stack gap={2}>
          <Breadcrumbs separator="/" fz="sm">
            <Anchor
              component={Link}
              to={`/services?${new URLSearchParams({ from: range.from, to: range.to }).toString()}`}
              size="sm"
            >
              Services
            </Anchor>
            <Text size="sm">{name}</Text>
          </Breadcrumbs>
          <Group gap="xs">
            <ColorSwatch color={colourFor(name)} size={14} withShadow={false} />
            <Title order={3}>{name}</Title>
          </Group>
        </Stack>
        <Group gap="xs">
          {(services.isFetching || operations.isFetching) && <Loader size="xs" aria-label="Loading" />}
          <TimeRangePicker range={range} onChange={setRange} onRefresh={() => setRefreshKey((k) => k + 1)} />
        </Group>
      </Group>

      <Group gap="xs">
        <Button
          component={Link}
          to={searchHref('traces', serviceQuery, range)}
          variant="default"
          size="xs"
          data-testid="search-spans"
        >
          Search spans
        </Button>
        <Button
          component={Link}
          to={searchHref('traces', errorsOnly(lucene(serviceQuery)).text, range)}
          variant="default"
          size="xs"
          data-testid="search-errors"
        >
          Search errors
        </Button>
        <Button
          component={Link}
          to={searchHref('logs', serviceQuery, range)}
          variant="default"
          size="xs"
          data-testid="search-logs"
        >
          Search logs
        </Button>
        <Button
          component={Link}
          to={`/service-map?${new URLSearchParams({ node: name, from: range.from, to: range.to }).toString()}`}
          variant="subtle"
          size="xs"
        >
          Show on the service map
        </Button>
      </Group>

      {services.isError && <ErrorState error={services.error} title="Could not load the service" />}
      {operations.isError && <ErrorState error={operations.error} title="Could not load operations" />}
      {operations.data?.notice && <Alert color="yellow">{operations.data.notice}</Alert>}

      {loading ? (
        <Stack gap="sm">
          <Skeleton h={48} />
          <Skeleton h={200} />
          <Skeleton h={240} />
        </Stack>
      ) : (
        <>
          {service ? (
            <RedStats numbers={service} testId="service-stats" />
          ) : (
            <Alert color="gray" title={`No requests to ${name} in this time range`}>
              {name} had no incoming requests (server or consumer spans) in this range. Try a wider time
              range, or search its spans.
            </Alert>
          )}

          {selectedOp !== undefined && (
            <Group gap="xs" data-testid="selected-operation">
              <Text size="sm" c="dimmed">
                Operation
              </Text>
              <Text size="sm" fw={600}>
                {selectedOp}
              </Text>
              <CloseButton
                size="sm"
                aria-label="Show the whole service"
                onClick={() => selectOp(undefined)}
              />
            </Group>
          )}
          <ServiceRedCharts item={selectedOp === undefined ? service : op} range={resolved} onZoom={onZoom} />

          <Grid gap="sm">
            <Grid.Col span={{ base: 12, lg: 8 }}>
              <Card withBorder padding="xs">
                <Text fw={600} size="sm" px={4} pb={4}>
                  Operations
                </Text>
                {ops.length === 0 ? (
                  <Text size="sm" c="dimmed" p="xs">
                    No operations in this time range.
                  </Text>
                ) : (
                  <RedTable
                    items={ops}
                    nameLabel="Operation"
                    sort={sort}
                    onSort={(s) => set({ sort: formatRedSort(s) }, { replace: true })}
                    onRowClick={(o) => selectOp(o.name === selectedOp ? undefined : o.name)}
                    selected={selectedOp}
                    renderActions={(o) => (
                      <Anchor
                        component={Link}
                        to={searchHref('traces', redSpansQuery(name, o.name), range)}
                        size="xs"
                      >
                        search
                      </Anchor>
                    )}
                    testId="operations-table"
                    rowTestId="operation-row"
                    rowAttribute="data-operation"
                  />
                )}
              </Card>
            </Grid.Col>
            <Grid.Col span={{ base: 12, lg: 4 }}>
              <Stack gap="sm">
                <OperationRankList
                  title="Slowest operations"
                  items={slowestOperations(ops, RANKED)}
                  renderValue={(o) => `p95 ${formatDurationMs(o.p95Ms)}`}
                  searchHref={(o) => searchHref('traces', redSpansQuery(name, o.name), range)}
                  onSelect={(o) => selectOp(o.name)}
                  selected={selectedOp}
                  empty="No operations in this time range."
                  testId="slowest-operations"
                />
                <OperationRankList
                  title="Most failing operations"
                  items={mostFailingOperations(ops, RANKED)}
                  renderValue={(o) => `${formatPercent(o.errorRate)} · ${formatCount(errorCount(o))} failed`}
                  searchHref={(o) =>
                    searchHref('traces', errorsOnly(lucene(redSpansQuery(name, o.name))).text, range)
                  }
                  onSelect={(o) => selectOp(o.name)}
                  selected={selectedOp}
                  empty="No failed requests in this time range."
                  testId="failing-operations"
                />
              </Stack>
            </Grid.Col>
          </Grid>

          <ExampleTraces
            key={spansQuery}
            spans={lucene(spansQuery)}
            slowMs={(selectedOp === undefined ? service : op)?.p95Ms}
            range={resolved}
            urlRange={range}
            title={selectedOp === undefined ? `Example traces of ${name}` : `Example traces of ${selectedOp}`}
          />
        </>
      )}
    </Stack>
  );
}
