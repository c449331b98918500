import { Link } from 'react-router';
import { Anchor, Skeleton, Stack, Table, Text } from '@mantine/core';
import { ErrorState } from '../../components/state-views.tsx';
import { formatDurationMs, formatPercent } from '../../lib/format.ts';
import { formatRate } from '../../lib/red-format.ts';
import { sortRedItems } from '../../lib/red-sort.ts';
import type { ResolvedRange, UrlRange } from '../../lib/time-range.ts';
import { errorRateColour } from '../services/error-rate-colour.ts';
import { servicePath } from '../services/service-path.ts';
import { useOperations } from '../services/use-red-data.ts';

/** Operations shown in the panel; the service's page has them all. */
const SHOWN = 10;

/** A service's busiest operations, each a link to the service's page with it selected. */
export function PanelOperations({
  service,
  range,
  urlRange,
}: {
  service: string;
  range: ResolvedRange;
  urlRange: UrlRange;
}) {
  const operations = useOperations(service, range);
  const ops = sortRedItems(operations.data?.operations ?? [], { key: 'requests', dir: 'desc' });
  return (
    <Stack gap={2}>
      <Text size="xs" c="dimmed" fw={600} tt="uppercase">
        Operations
      </Text>
      {operations.isPending ? (
        <Skeleton h={60} />
      ) : operations.isError ? (
        <ErrorState error={operations.error} title="Could not load operations" />
      ) : ops.length === 0 ? (
        <Text size="sm" c="dimmed">
          No incoming requests in this time range.
        </Text>
      ) : (
        <Table verticalSpacing={4} horizontalSpacing={6} fz="sm" data-testid="panel-operations">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Operation</Table.Th>
              <Table.Th ta="right">Rate</Table.Th>
              <Table.Th ta="right">Errors</Table.Th>
              <Table.Th ta="right">p95</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {ops.slice(0, SHOWN).map((op) => {
              const colour = errorRateColour(op.errorRate);
              return (
                <Table.Tr key={op.name} data-testid="panel-operation" data-operation={op.name}>
                  <Table.Td maw={170}>
                    <Anchor
                      component={Link}
                      to={servicePath(service, urlRange, op.name)}
                      size="sm"
                      truncate
                      display="block"
                    >
                      {op.name}
                    </Anchor>
                  </Table.Td>
                  <Table.Td ta="right" className="mono">
                    {formatRate(op.rate)}
                  </Table.Td>
                  <Table.Td ta="right" className="mono" {...(colour ? { c: colour } : {})}>
                    {formatPercent(op.errorRate)}
                  </Table.Td>
                  <Table.Td ta="right" className="mono">
                    {formatDurationMs(op.p95Ms)}
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      )}
      {ops.length > SHOWN && (
        <Anchor component={Link} to={servicePath(service, urlRange)} size="xs">
          All {ops.length} operations
        </Anchor>
      )}
    </Stack>
  );
}
