import { Code, Group, Stack, Text } from '@mantine/core';
import { LEVEL_COLOURS, type TraceLog } from '../../lib/trace-logs.ts';
import { formatTimestamp } from '../../lib/format.ts';
import { DetailSection } from './detail-section.tsx';
import classes from './trace-view.module.css';

/** The selected span's own logs, bodies in full. */
export function SpanLogs({ logs }: { logs: readonly TraceLog[] }) {
  if (logs.length === 0) return null;
  return (
    <DetailSection title="Logs" count={logs.length} testId="span-logs">
      {logs.map((log) => (
        <Stack gap={2} key={log.key}>
          <Group gap={8}>
            <Text size="xs" c="dimmed" className="mono" title={log.timestamp}>
              {formatTimestamp(log.timestamp)}
            </Text>
            <Text
              size="xs"
              fw={700}
              c={`var(--mantine-color-${LEVEL_COLOURS[log.level]}-text)`}
              tt="uppercase"
            >
              {log.severity}
            </Text>
          </Group>
          <Code block className={classes.wrapBlock}>
            {log.body}
          </Code>
        </Stack>
      ))}
    </DetailSection>
  );
}
