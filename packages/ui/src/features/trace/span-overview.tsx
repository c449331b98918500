import { Alert, Anchor, Badge, Group, SimpleGrid, Stack, Text } from '@mantine/core';
import { formatDurationNs, formatTimestamp } from '../../lib/format.ts';
import { colourFor } from '../../lib/palette.ts';
import type { TraceSpan } from '../../lib/trace-tree.ts';
import { CopyValue } from './copy-value.tsx';
import classes from './trace-view.module.css';
import { textOf } from '../../lib/trace-values.ts';

interface Props {
  readonly span: TraceSpan;
  readonly parent: TraceSpan | undefined;
  readonly traceDurationNs: number;
  readonly selfNs: number;
  /** Its time on the critical path, or undefined when the path is hidden. */
  readonly criticalNs: number | undefined;
  readonly onSelect: (span: number) => void;
}

const STATUS_COLOURS: Record<string, string> = { Error: 'red', Ok: 'green' };

/** What the span is, when it ran, how it ended, and its ids. */
export function SpanOverview({ span, parent, traceDurationNs, selfNs, criticalNs, onSelect }: Props) {
  const status = textOf(span.row['StatusCode']) || 'Unset';
  const message = textOf(span.row['StatusMessage']);
  const scope = [span.row['ScopeName'], span.row['ScopeVersion']].filter(Boolean).join(' ');
  const share = (ns: number, of: number) => (of > 0 ? ` (${Math.round((ns / of) * 100)}%)` : '');
  return (
    <Stack gap="sm">
      <Group gap={6} wrap="wrap">
        <span className={classes.serviceChip}>
          <span className={classes.dot} style={{ background: colourFor(span.service) }} />
          {span.service}
        </span>
        <Badge size="sm" variant="light" color="gray">
          {span.kind || 'Unspecified'}
        </Badge>
        <Badge
          size="sm"
          variant={status === 'Error' ? 'filled' : 'light'}
          color={STATUS_COLOURS[status] ?? 'gray'}
        >
          {status}
        </Badge>
        {span.orphan && (
          <Badge size="sm" variant="light" color="orange">
            parent missing
          </Badge>
        )}
      </Group>
      {message && (
        <Alert color={status === 'Error' ? 'red' : 'gray'} p="xs" data-testid="span-status-message">
          <Text size="sm">{message}</Text>
        </Alert>
      )}
      <SimpleGrid cols={3} spacing="xs" verticalSpacing={6}>
        <Fact label="Duration" value={formatDurationNs(span.durationNs)} />
        <Fact
          label="Starts at"
          value={`+${formatDurationNs(span.startNs)}`}
          title={textOf(span.row['Timestamp'])}
        />
        <Fact
          label="Share of trace"
          value={traceDurationNs > 0 ? `${((span.durationNs / traceDurationNs) * 100).toFixed(1)}%` : '–'}
        />
        <Fact label="Self time" value={formatDurationNs(selfNs) + share(selfNs, span.durationNs)} />
        {criticalNs !== undefined && (
          <Fact
            label="On critical path"
            value={formatDurationNs(criticalNs) + share(criticalNs, span.durationNs)}
          />
        )}
        <Fact label="Children" value={String(span.children.length)} />
      </SimpleGrid>
      <Stack gap={2}>
        <CopyValue label="Span" value={span.spanId} />
        {span.parentSpanId && (
          <Group gap={4} wrap="nowrap">
            <CopyValue label="Parent" value={span.parentSpanId} />
            {parent && (
              <Anchor component="button" type="button" size="xs" onClick={() => onSelect(parent.index)}>
                {parent.name}
              </Anchor>
            )}
          </Group>
        )}
        <Text size="xs" c="dimmed">
          Started {formatTimestamp(span.row['Timestamp'])}
          {scope && ` · instrumented by ${scope}`}
        </Text>
      </Stack>
    </Stack>
  );
}

function Fact({ label, value, title }: { label: string; value: string; title?: string }) {
  return (
    <div title={title}>
      <Text size="xs" c="dimmed" lh={1.2}>
        {label}
      </Text>
      <Text size="sm" fw={600} lh={1.3}>
        {value}
      </Text>
    </div>
  );
}
