import { Anchor, Table, Text } from '@mantine/core';
import { Link } from 'react-router';
import type { Attribute } from '../../lib/trace-attributes.ts';
import { searchHref, type SearchRange } from '../../lib/trace-links.ts';
import classes from './trace-view.module.css';

// Longer values (bodies, statements) are not useful as search filters.
const MAX_LINKED_VALUE = 300;

interface Props {
  readonly attributes: readonly Attribute[];
  /** How the search names these keys: bare for span attributes, `ResourceAttributes.` for resource ones. */
  readonly fieldPrefix?: string;
  /** When set, values link to a search for spans with the same value. */
  readonly searchRange?: SearchRange;
}

/** Keys and values, monospace; each value can search for the spans that share it. */
export function AttributeTable({ attributes, fieldPrefix = '', searchRange }: Props) {
  if (attributes.length === 0) return null;
  return (
    <Table withRowBorders={false} verticalSpacing={2} horizontalSpacing={6} fz="xs" striped>
      <Table.Tbody>
        {attributes.map((a) => (
          <Table.Tr key={a.key}>
            <Table.Td className={`mono ${classes.kvKey}`}>{a.key}</Table.Td>
            <Table.Td className={`mono ${classes.kvValue}`}>
              {searchRange && a.value && a.value.length <= MAX_LINKED_VALUE ? (
                <Anchor
                  component={Link}
                  to={searchHref('traces', fieldPrefix + a.key, a.value, searchRange)}
                  c="inherit"
                  underline="hover"
                  className="mono"
                  title="Search spans with this value"
                >
                  {a.value}
                </Anchor>
              ) : (
                <Text span inherit>
                  {a.value === '' ? '""' : a.value}
                </Text>
              )}
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
