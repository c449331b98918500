import { Badge, Table, Text } from '@mantine/core';
import type { Header } from '../../lib/trace-attributes.ts';
import classes from './trace-view.module.css';

/** Captured headers; secrets the agent redacted are marked rather than shown as a value. */
export function HeaderTable({ title, headers }: { title: string; headers: readonly Header[] }) {
  if (headers.length === 0) return null;
  return (
    <div>
      <Text size="xs" fw={600} c="dimmed" mb={2}>
        {title}
      </Text>
      <Table withRowBorders={false} verticalSpacing={2} horizontalSpacing={6} fz="xs" striped>
        <Table.Tbody>
          {headers.map((h) => (
            <Table.Tr key={h.name}>
              <Table.Td className={`mono ${classes.kvKey}`}>{h.name}</Table.Td>
              <Table.Td className={`mono ${classes.kvValue}`}>
                {h.redacted ? (
                  <Badge size="xs" variant="light" color="gray" title="The agent does not send this secret">
                    redacted
                  </Badge>
                ) : (
                  h.value
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </div>
  );
}
