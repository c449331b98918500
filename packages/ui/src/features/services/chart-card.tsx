import type { ReactNode } from 'react';
import { Card, Center, Group, Text } from '@mantine/core';

/** A titled card around one small chart; `empty` replaces the chart when there is nothing to draw. */
export function ChartCard({
  title,
  hint,
  empty,
  children,
}: {
  title: string;
  hint?: ReactNode;
  empty?: boolean;
  children: ReactNode;
}) {
  return (
    <Card withBorder padding="sm">
      <Group justify="space-between" gap="xs" mb={4} wrap="nowrap">
        <Text fw={600} size="sm">
          {title}
        </Text>
        {hint && (
          <Text size="xs" c="dimmed" truncate>
            {hint}
          </Text>
        )}
      </Group>
      {empty ? (
        <Center h={160}>
          <Text size="sm" c="dimmed">
            No requests in this time range
          </Text>
        </Center>
      ) : (
        children
      )}
    </Card>
  );
}
