import { Group, Stack, Text } from '@mantine/core';
import type { Attribute } from '../../lib/trace-attributes.ts';
import type { SpanEvent, SpanException } from '../../lib/trace-events.ts';
import { formatDurationNs } from '../../lib/format.ts';
import { AttributeTable } from './attribute-table.tsx';
import { DetailSection } from './detail-section.tsx';
import { StackTrace } from './stack-trace.tsx';

/** The span's exceptions: type, message and stack trace, first thing when the span failed. */
export function SpanExceptions({ exceptions }: { exceptions: readonly SpanException[] }) {
  if (exceptions.length === 0) return null;
  return (
    <DetailSection title="Exceptions" count={exceptions.length} testId="span-exceptions">
      {exceptions.map((x, i) => (
        <Stack gap={4} key={i}>
          <Group gap={8} wrap="nowrap">
            <Text size="sm" fw={700} c="red" className="mono">
              {x.type || 'Exception'}
            </Text>
            <Text size="xs" c="dimmed">
              {formatDurationNs(x.offsetNs)} into the span
            </Text>
          </Group>
          {x.message && <Text size="sm">{x.message}</Text>}
          {x.stacktrace && <StackTrace text={x.stacktrace} />}
        </Stack>
      ))}
    </DetailSection>
  );
}

/** Other span events by time, with their attributes. */
export function SpanEvents({ events }: { events: readonly SpanEvent[] }) {
  if (events.length === 0) return null;
  return (
    <DetailSection title="Events" count={events.length} testId="span-events">
      {events.map((e, i) => {
        const attributes: Attribute[] = Object.entries(e.attributes).map(([key, value]) => ({ key, value }));
        return (
          <Stack gap={2} key={i}>
            <Group gap={8}>
              <Text size="xs" c="dimmed" className="mono" w={72} ta="right" title={e.timestamp}>
                +{formatDurationNs(e.offsetNs)}
              </Text>
              <Text size="sm" fw={500}>
                {e.name}
              </Text>
            </Group>
            <AttributeTable attributes={attributes} />
          </Stack>
        );
      })}
    </DetailSection>
  );
}
