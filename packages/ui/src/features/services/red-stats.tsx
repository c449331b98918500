import { Group, Stack, Text } from '@mantine/core';
import type { RedNumbers } from '../../api/api-types.ts';
import { formatCount, formatDurationMs, formatPercent } from '../../lib/format.ts';
import { formatRate } from '../../lib/red-format.ts';
import { errorCount } from '../../lib/red-sort.ts';
import { errorRateColour } from './error-rate-colour.ts';

/** A row of labelled RED numbers (requests, rate, errors, percentiles). */
export function RedStats({ numbers, testId }: { numbers: RedNumbers; testId?: string }) {
  const errors = errorCount(numbers);
  const stats: Array<{ label: string; value: string; colour?: string | undefined; note?: string }> = [
    { label: 'Requests', value: formatCount(numbers.requests) },
    { label: 'Rate', value: formatRate(numbers.rate) },
    {
      label: 'Error rate',
      value: formatPercent(numbers.errorRate),
      colour: errorRateColour(numbers.errorRate),
      ...(errors > 0 ? { note: `${formatCount(errors)} failed` } : {}),
    },
    { label: 'p50', value: formatDurationMs(numbers.p50Ms) },
    { label: 'p95', value: formatDurationMs(numbers.p95Ms) },
    { label: 'p99', value: formatDurationMs(numbers.p99Ms) },
  ];
  return (
    <Group gap="xl" data-testid={testId}>
      {stats.map((s) => (
        <Stack key={s.label} gap={0}>
          <Text size="xs" c="dimmed">
            {s.label}
          </Text>
          <Group gap={6} align="baseline" wrap="nowrap">
            <Text fw={600} size="lg" {...(s.colour ? { c: s.colour } : {})}>
              {s.value}
            </Text>
            {s.note && (
              <Text size="xs" c="dimmed">
                {s.note}
              </Text>
            )}
          </Group>
        </Stack>
      ))}
    </Group>
  );
}
