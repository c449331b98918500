import { Alert, Button, Group, Skeleton, Stack, Text, Title } from '@mantine/core';
import { Link } from 'react-router';
import { ApiFailure } from '../../api/api-client.ts';
import { ErrorState } from '../../components/state-views.tsx';

/** The page's shape while the trace loads. */
export function TraceSkeleton() {
  return (
    <Stack gap="sm" data-testid="trace-loading" aria-busy>
      <Skeleton height={26} width="40%" />
      <Group gap="lg">
        {[90, 120, 70, 70, 160].map((w, i) => (
          <Skeleton key={i} height={30} width={w} />
        ))}
      </Group>
      <Skeleton height={30} width={520} />
      <Skeleton height={50} />
      <Stack gap={10} mt="xs">
        {Array.from({ length: 12 }, (_, i) => (
          <Group key={i} gap={0} wrap="nowrap">
            <div style={{ flex: '0 0 34%', paddingLeft: Math.min(i, 6) * 12 }}>
              <Skeleton height={12} width={`${45 + ((i * 17) % 35)}%`} />
            </div>
            <div style={{ flex: 1, paddingLeft: `${Math.min(i * 5, 50)}%` }}>
              <Skeleton height={12} width={`${Math.max(12, 90 - i * 7)}%`} />
            </div>
          </Group>
        ))}
      </Stack>
    </Stack>
  );
}

/** 404, 400 and the rest, each with what the user can do next. */
export function TraceFailure({
  error,
  traceId,
  onRetry,
}: {
  error: unknown;
  traceId: string;
  onRetry: () => void;
}) {
  const failure = error instanceof ApiFailure ? error : undefined;
  if (failure?.code === 'NOT_FOUND') {
    return (
      <Stack gap="xs" maw={640} p="lg" data-testid="trace-not-found">
        <Title order={4}>Trace not found</Title>
        <Text size="sm">
          No trace <span className="mono">{traceId}</span> is stored. It may have expired (traces are kept for
          the configured retention), or it has not arrived yet: spans are stored within seconds of being sent.
        </Text>
        <Group gap="xs" mt="xs">
          <Button size="xs" variant="default" onClick={onRetry}>
            Try again
          </Button>
          <Button size="xs" component={Link} to="/search?signal=traces">
            Search traces
          </Button>
        </Group>
      </Stack>
    );
  }
  if (failure?.code === 'BAD_TRACE_ID') {
    return (
      <Alert color="orange" title="Not a trace id" maw={640} data-testid="trace-bad-id">
        <Text size="sm">
          <span className="mono">{traceId}</span> is not a trace id: a trace id is 32 hexadecimal characters,
          like <span className="mono">5b8efff798038103d269b633813fc60c</span>.
        </Text>
        <Button size="xs" mt="sm" component={Link} to="/search?signal=traces">
          Search traces
        </Button>
      </Alert>
    );
  }
  return (
    <Stack gap="xs" maw={720}>
      <ErrorState error={error} title="The trace could not be loaded" />
      <Group>
        <Button size="xs" variant="default" onClick={onRetry}>
          Try again
        </Button>
      </Group>
    </Stack>
  );
}
