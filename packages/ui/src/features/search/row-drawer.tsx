import {
  Anchor,
  Badge,
  Button,
  Code,
  Drawer,
  Group,
  ScrollArea,
  Stack,
  Table,
  Text,
  Title,
  Tooltip,
} from '@mantine/core';
import { Link } from 'react-router';
import type { Row, Signal } from '../../api/api-types.ts';
import { displayText } from '../../lib/format.ts';
import { flattenRow, searchFieldFor } from '../../lib/row-values.ts';

interface Props {
  readonly row: Row | undefined;
  readonly signal: Signal;
  readonly onClose: () => void;
  /** Adds `field:"value"` (negated when asked) to the search. */
  readonly onFilter: (field: string, value: string, negate: boolean) => void;
}

const GROUP_ORDER = ['Fields', 'SpanAttributes', 'LogAttributes', 'ResourceAttributes'];

/** Every field and attribute of one row; clicking a value filters the search by it. */
export function RowDrawer({ row, signal, onClose, onFilter }: Props) {
  const entries = row ? flattenRow(row) : [];
  const groups = [...new Set(entries.map((e) => e.group))].sort(
    (a, b) => (GROUP_ORDER.indexOf(a) + 1 || 99) - (GROUP_ORDER.indexOf(b) + 1 || 99),
  );
  const traceId = row ? displayText(row['TraceId']) : '';
  const spanId = row ? displayText(row['SpanId']) : '';
  return (
    <Drawer
      opened={row !== undefined}
      onClose={onClose}
      position="right"
      size="xl"
      title={
        <Title order={5}>
          {signal === 'traces' ? displayText(row?.['SpanName']) || 'Span' : 'Log record'}
        </Title>
      }
      scrollAreaComponent={ScrollArea.Autosize}
    >
      <Stack gap="md" data-testid="row-drawer">
        {traceId && (
          <Group>
            <Button
              component={Link}
              to={`/trace/${traceId}${spanId ? `?span=${spanId}` : ''}`}
              size="xs"
              data-testid="open-trace"
            >
              Open trace
            </Button>
            <Text size="xs" c="dimmed" className="mono">
              {traceId}
            </Text>
          </Group>
        )}
        {signal === 'logs' && row && (
          <Code block style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>
            {displayText(row['Body'])}
          </Code>
        )}
        {groups.map((group) => (
          <div key={group}>
            <Text size="sm" fw={600} mb={4}>
              {group === 'Fields' ? 'Fields' : group}{' '}
              <Badge size="xs" variant="light" color="gray">
                {entries.filter((e) => e.group === group).length}
              </Badge>
            </Text>
            <Table striped withRowBorders={false} verticalSpacing={2} fz="xs">
              <Table.Tbody>
                {entries
                  .filter((e) => e.group === group)
                  .map((e) => (
                    <Table.Tr key={e.key}>
                      <Table.Td
                        className="mono"
                        style={{ width: '35%', verticalAlign: 'top', wordBreak: 'break-all' }}
                      >
                        {e.field}
                      </Table.Td>
                      <Table.Td className="mono" style={{ wordBreak: 'break-word', whiteSpace: 'pre-wrap' }}>
                        <Tooltip label="Filter by this value (alt-click to exclude it)" openDelay={600}>
                          <Anchor
                            component="button"
                            type="button"
                            size="xs"
                            c="inherit"
                            className="mono"
                            data-testid="filter-value"
                            data-field={searchFieldFor(e.group, e.field, signal)}
                            style={{ textAlign: 'left' }}
                            onClick={(ev: React.MouseEvent) =>
                              onFilter(searchFieldFor(e.group, e.field, signal), e.value, ev.altKey)
                            }
                          >
                            {e.value.length > 4000 ? `${e.value.slice(0, 4000)}…` : e.value || '""'}
                          </Anchor>
                        </Tooltip>
                      </Table.Td>
                    </Table.Tr>
                  ))}
              </Table.Tbody>
            </Table>
          </div>
        ))}
      </Stack>
    </Drawer>
  );
}
