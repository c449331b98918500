import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { Anchor, Badge, Card, Group, SimpleGrid, Skeleton, Stack, Text } from '@mantine/core';
import type { UseQueryResult } from '@tanstack/react-query';
import { ErrorState } from '../../components/state-views.tsx';
import { formatDurationMs, formatTimestamp } from '../../lib/format.ts';
import type { ExampleSpan } from '../../lib/red-examples.ts';
import { errorsOnly, searchHref, traceHref, type SpanQuery } from '../../lib/red-search.ts';
import type { ResolvedRange, UrlRange } from '../../lib/time-range.ts';
import { EXAMPLES, useLatestErrors, useSlowestSpans } from './use-example-spans.ts';

interface Props {
  /** The spans to find examples among. */
  readonly spans: SpanQuery;
  /** The spans' p95 in ms, to find the slowest cheaply. */
  readonly slowMs?: number | undefined;
  readonly range: ResolvedRange;
  readonly urlRange: UrlRange;
  readonly title?: ReactNode;
  /** Narrow containers (the map's side panel) stack the two lists. */
  readonly stacked?: boolean;
}

/** The slowest spans and the latest failures of a set, each a link to its trace. */
export function ExampleTraces({ spans, slowMs, range, urlRange, title, stacked }: Props) {
  const slowest = useSlowestSpans(spans, slowMs, range);
  const errors = useLatestErrors(spans, range);
  return (
    <Card withBorder={!stacked} padding={stacked ? 0 : 'sm'} data-testid="example-traces">
      <Group justify="space-between" mb="xs" wrap="nowrap" gap="xs">
        <Text fw={600} size="sm" truncate>
          {title ?? 'Example traces'}
        </Text>
        <Group gap="sm" wrap="nowrap">
          <Anchor component={Link} to={searchHref('traces', spans, urlRange)} size="xs">
            All spans
          </Anchor>
          <Anchor component={Link} to={searchHref('traces', errorsOnly(spans), urlRange)} size="xs">
            Errors
          </Anchor>
        </Group>
      </Group>
      <SimpleGrid cols={stacked ? 1 : { base: 1, md: 2 }} spacing="md">
        <ExampleList
          heading="Slowest"
          result={slowest}
          empty="No spans in this time range."
          testId="slowest-examples"
        />
        <ExampleList
          heading="Latest errors"
          result={errors}
          empty="No errors in this time range."
          testId="error-examples"
        />
      </SimpleGrid>
    </Card>
  );
}

function ExampleList({
  heading,
  result,
  empty,
  testId,
}: {
  heading: string;
  result: UseQueryResult<ExampleSpan[]>;
  empty: string;
  testId: string;
}) {
  return (
    <Stack gap={2} data-testid={testId}>
      <Text size="xs" c="dimmed" fw={600} tt="uppercase">
        {heading}
      </Text>
      {result.isPending ? (
        Array.from({ length: 3 }, (_, i) => <Skeleton key={i} h={34} radius="sm" />)
      ) : result.isError ? (
        <ErrorState error={result.error} title="Could not load examples" />
      ) : result.data.length === 0 ? (
        <Text size="sm" c="dimmed" py={6}>
          {empty}
        </Text>
      ) : (
        result.data.slice(0, EXAMPLES).map((span) => <ExampleRow key={span.spanId} span={span} />)
      )}
    </Stack>
  );
}

function ExampleRow({ span }: { span: ExampleSpan }) {
  return (
    <Anchor
      component={Link}
      to={traceHref(span.traceId, span.spanId)}
      underline="never"
      c="inherit"
      className="clickable"
      px={6}
      py={4}
      style={{ borderRadius: 'var(--mantine-radius-sm)', display: 'block' }}
      data-testid="example-trace-link"
      data-trace-id={span.traceId}
    >
      <Group gap="sm" wrap="nowrap">
        <Text className="mono" fw={600} w={64} ta="right" style={{ flexShrink: 0 }}>
          {formatDurationMs(span.durationMs)}
        </Text>
        <Stack gap={0} style={{ minWidth: 0, flex: 1 }}>
          <Text size="sm" truncate>
            {span.name}
          </Text>
          <Text size="xs" c="dimmed" truncate>
            {span.service} · {formatTimestamp(span.timestamp)}
            {span.failed && span.statusMessage ? ` · ${span.statusMessage}` : ''}
          </Text>
        </Stack>
        {span.failed && (
          <Badge color="red" variant="light" size="xs" style={{ flexShrink: 0 }}>
            Error
          </Badge>
        )}
      </Group>
    </Anchor>
  );
}
