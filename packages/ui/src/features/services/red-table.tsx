import type { ReactNode } from 'react';
import { ColorSwatch, Group, Table, Text, UnstyledButton } from '@mantine/core';
import type { RedNumbers } from '../../api/api-types.ts';
import { formatCount, formatDurationMs, formatPercent } from '../../lib/format.ts';
import { colourFor } from '../../lib/palette.ts';
import { formatRate } from '../../lib/red-format.ts';
import {
  errorCount,
  sortRedItems,
  toggleRedSort,
  type RedSort,
  type RedSortKey,
} from '../../lib/red-sort.ts';
import { errorRateColour } from './error-rate-colour.ts';

type Item = RedNumbers & { name: string };

interface Column {
  readonly key: RedSortKey;
  readonly label: string;
  readonly numeric: boolean;
}

const NUMBER_COLUMNS: readonly Column[] = [
  { key: 'requests', label: 'Requests', numeric: true },
  { key: 'rate', label: 'Rate', numeric: true },
  { key: 'errorRate', label: 'Errors', numeric: true },
  { key: 'p50Ms', label: 'p50', numeric: true },
  { key: 'p95Ms', label: 'p95', numeric: true },
  { key: 'p99Ms', label: 'p99', numeric: true },
];

const PERCENTILES = ['p50Ms', 'p95Ms', 'p99Ms'] as const;

interface Props<T extends Item> {
  readonly items: readonly T[];
  /** Header of the name column ("Service", "Operation"). */
  readonly nameLabel: string;
  readonly sort: RedSort;
  readonly onSort: (sort: RedSort) => void;
  readonly onRowClick?: (item: T) => void;
  /** The name of the highlighted row. */
  readonly selected?: string | undefined;
  /** Show each name's colour (services keep one colour in every chart). */
  readonly colourChips?: boolean;
  /** Renders the name cell (a link, say); the plain name by default. */
  readonly renderName?: (item: T) => ReactNode;
  /** Extra cell at the end of each row (links). */
  readonly renderActions?: (item: T) => ReactNode;
  readonly testId: string;
  readonly rowTestId: string;
  /** The data attribute naming a row's item (data-service, data-operation). */
  readonly rowAttribute: string;
}

/** A table of RED numbers, sorted by clicking a column's header. */
export function RedTable<T extends Item>(props: Props<T>) {
  const { items, sort, onSort, onRowClick, selected, renderName, renderActions } = props;
  const rows = sortRedItems(items, sort);
  const arrow = (key: RedSortKey) => (
    <Text span fz={10} mx={4} {...(sort.key === key ? {} : { c: 'transparent' })}>
      {sort.key === key && sort.dir === 'asc' ? '▲' : '▼'}
    </Text>
  );
  const header = (column: Column) => (
    <Table.Th
      key={column.key}
      ta={column.numeric ? 'right' : 'left'}
      aria-sort={sort.key === column.key ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none'}
    >
      <UnstyledButton
        onClick={() => onSort(toggleRedSort(sort, column.key))}
        data-testid={`sort-${column.key}`}
        fz="sm"
        fw={600}
      >
        {/* The arrow sits on the side away from the values, so labels line up with them. */}
        {column.numeric && arrow(column.key)}
        {column.label}
        {!column.numeric && arrow(column.key)}
      </UnstyledButton>
    </Table.Th>
  );
  return (
    <Table.ScrollContainer minWidth={640} type="native">
      <Table highlightOnHover={onRowClick !== undefined} verticalSpacing={6} data-testid={props.testId}>
        <Table.Thead>
          <Table.Tr>
            {header({ key: 'name', label: props.nameLabel, numeric: false })}
            {NUMBER_COLUMNS.map(header)}
            {renderActions && <Table.Th />}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((item) => (
            <Table.Tr
              key={item.name}
              data-testid={props.rowTestId}
              {...{ [props.rowAttribute]: item.name }}
              {...(onRowClick ? { className: 'clickable', onClick: () => onRowClick(item) } : {})}
              {...(item.name === selected ? { bg: 'var(--mantine-primary-color-light)' } : {})}
            >
              <Table.Td maw={360}>
                <Group gap={8} wrap="nowrap">
                  {props.colourChips && (
                    <ColorSwatch color={colourFor(item.name)} size={10} withShadow={false} />
                  )}
                  <Text size="sm" truncate fw={500}>
                    {renderName ? renderName(item) : item.name}
                  </Text>
                </Group>
              </Table.Td>
              <Table.Td ta="right" className="mono">
                {formatCount(item.requests)}
              </Table.Td>
              <Table.Td ta="right" className="mono">
                {formatRate(item.rate)}
              </Table.Td>
              <Table.Td ta="right" className="mono" {...colourProp(errorRateColour(item.errorRate))}>
                {formatPercent(item.errorRate)}
                {item.errorRate > 0 && (
                  <Text span c="dimmed" fz={11} ml={4}>
                    ({formatCount(errorCount(item))})
                  </Text>
                )}
              </Table.Td>
              {PERCENTILES.map((key) => (
                <Table.Td key={key} ta="right" className="mono">
                  {formatDurationMs(item[key])}
                </Table.Td>
              ))}
              {renderActions && (
                <Table.Td ta="right" onClick={(e) => e.stopPropagation()}>
                  {renderActions(item)}
                </Table.Td>
              )}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/** Mantine's colour prop, only when there is a colour (exactOptionalPropertyTypes). */
function colourProp(colour: string | undefined): { c?: string } {
  return colour ? { c: colour } : {};
}
