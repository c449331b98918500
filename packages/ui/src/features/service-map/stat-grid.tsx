import { SimpleGrid, Stack, Text } from '@mantine/core';

export interface Stat {
  readonly label: string;
  readonly value: string;
  /** A Mantine colour for the value (an unhealthy number). */
  readonly colour?: string | undefined;
}

/** Labelled numbers in a compact grid, for the map's side panel. */
export function StatGrid({ stats, testId }: { stats: readonly Stat[]; testId?: string }) {
  return (
    <SimpleGrid cols={3} spacing="xs" verticalSpacing="xs" data-testid={testId}>
      {stats.map((s) => (
        <Stack key={s.label} gap={0}>
          <Text size="xs" c="dimmed">
            {s.label}
          </Text>
          <Text fw={600} className="mono" fz="sm" {...(s.colour ? { c: s.colour } : {})}>
            {s.value}
          </Text>
        </Stack>
      ))}
    </SimpleGrid>
  );
}
