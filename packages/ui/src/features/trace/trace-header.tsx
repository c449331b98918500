import { Badge, Group, Stack, Text, Title, Tooltip } from '@mantine/core';
import { formatDurationNs, formatTimestamp } from '../../lib/format.ts';
import { colourFor } from '../../lib/palette.ts';
import type { TraceTree } from '../../lib/trace-tree.ts';
import { CopyValue } from './copy-value.tsx';
import classes from './trace-view.module.css';
import { textOf } from '../../lib/trace-values.ts';

/** What the trace is (its root span), when, how long, how big, which services, how many errors. */
export function TraceHeader({ traceId, tree }: { traceId: string; tree: TraceTree }) {
  const root = tree.spans[tree.primaryRoot];
  const started = root ? textOf(root.row['Timestamp']) : '';
  return (
    <Stack gap={6} data-testid="trace-header">
      <Group justify="space-between" wrap="nowrap" align="flex-start">
        <Group gap="xs" wrap="nowrap" style={{ minWidth: 0 }}>
          {root && (
            <span
              className={classes.dot}
              style={{ background: colourFor(root.service), width: 10, height: 10 }}
            />
          )}
          <Title order={4} lineClamp={1} data-testid="trace-title">
            {root ? root.name : 'Trace'}
          </Title>
          {root?.orphan && (
            <Tooltip label="The trace's root span has not arrived (or was lost): this is the earliest span without a parent in the trace">
              <Badge size="sm" variant="light" color="orange">
                root missing
              </Badge>
            </Tooltip>
          )}
        </Group>
        <CopyValue value={traceId} label="Trace" />
      </Group>
      <Group gap="lg" wrap="wrap">
        <Stat label="Service" value={root?.service ?? '–'} />
        <Stat
          label="Started"
          value={started ? formatTimestamp(started) : '–'}
          {...(started ? { title: started } : {})}
        />
        <Stat label="Duration" value={formatDurationNs(tree.durationNs)} />
        <Stat label="Spans" value={tree.spans.length.toLocaleString()} testId="trace-span-count" />
        <Stat label="Depth" value={String(tree.maxDepth + 1)} />
        <Stat
          label="Errors"
          value={tree.errorCount.toLocaleString()}
          testId="trace-error-count"
          {...(tree.errorCount > 0 ? { colour: 'red' } : {})}
        />
        <Group gap={6} wrap="wrap" data-testid="trace-services">
          {tree.services.map((s) => (
            <Tooltip
              key={s.name}
              label={`${s.spans.toLocaleString()} spans${s.errors ? `, ${s.errors.toLocaleString()} with errors` : ''}`}
              openDelay={300}
            >
              <span className={classes.serviceChip} data-testid="trace-service">
                <span className={classes.dot} style={{ background: colourFor(s.name) }} />
                {s.name}
                <Text span size="xs" c="dimmed">
                  {s.spans.toLocaleString()}
                </Text>
                {s.errors > 0 && (
                  <Text span size="xs" c="red">
                    · {s.errors.toLocaleString()} {s.errors === 1 ? 'error' : 'errors'}
                  </Text>
                )}
              </span>
            </Tooltip>
          ))}
        </Group>
      </Group>
    </Stack>
  );
}

function Stat(props: { label: string; value: string; title?: string; colour?: string; testId?: string }) {
  return (
    <div title={props.title}>
      <Text size="xs" c="dimmed" lh={1.2}>
        {props.label}
      </Text>
      <Text
        size="sm"
        fw={600}
        lh={1.3}
        {...(props.colour ? { c: props.colour } : {})}
        data-testid={props.testId}
      >
        {props.value}
      </Text>
    </div>
  );
}
