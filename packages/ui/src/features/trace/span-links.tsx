import { Anchor, Badge, Group, Stack, Text } from '@mantine/core';
import { Link } from 'react-router';
import type { SpanLink } from '../../lib/trace-events.ts';
import { traceHref } from '../../lib/trace-links.ts';
import type { TraceSpan } from '../../lib/trace-tree.ts';
import { AttributeTable } from './attribute-table.tsx';
import { DetailSection } from './detail-section.tsx';

interface Props {
  readonly traceId: string;
  readonly links: readonly SpanLink[];
  /** Spans of this trace that link to the selected one. */
  readonly linkedFrom: readonly TraceSpan[];
  readonly onSelect: (span: number) => void;
}

/**
 * Links to other spans (a batch consumer to the messages' producers, a new trace to the one
 * that caused it), each opening that trace at that span; and the spans here that link back.
 */
export function SpanLinks({ traceId, links, linkedFrom, onSelect }: Props) {
  if (links.length === 0 && linkedFrom.length === 0) return null;
  return (
    <DetailSection title="Links" count={links.length + linkedFrom.length} testId="span-links">
      {links.map((link, i) => {
        const here = link.traceId === traceId;
        return (
          <Stack gap={2} key={i}>
            <Group gap={6} wrap="nowrap">
              <Badge size="xs" variant="light" color={here ? 'gray' : 'blue'} style={{ flexShrink: 0 }}>
                {here ? 'this trace' : 'linked trace'}
              </Badge>
              <Anchor
                component={Link}
                to={traceHref(link.traceId, link.spanId)}
                size="xs"
                className="mono"
                data-testid="span-link"
              >
                {here ? `span ${link.spanId}` : `trace ${link.traceId} · span ${link.spanId}`}
              </Anchor>
            </Group>
            <AttributeTable
              attributes={Object.entries(link.attributes).map(([key, value]) => ({ key, value }))}
            />
          </Stack>
        );
      })}
      {linkedFrom.map((span) => (
        <Group gap={6} key={span.index} wrap="nowrap">
          <Badge size="xs" variant="light" color="gray">
            linked from
          </Badge>
          <Anchor component="button" type="button" size="xs" onClick={() => onSelect(span.index)}>
            {span.service} · {span.name}
          </Anchor>
          <Text size="xs" c="dimmed" className="mono">
            {span.spanId}
          </Text>
        </Group>
      ))}
    </DetailSection>
  );
}
