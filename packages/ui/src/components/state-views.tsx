import type { ReactNode } from 'react';
import { Alert, Code, Stack, Text, Title } from '@mantine/core';
import { ApiFailure } from '../api/api-client.ts';

/** What a new user needs to get data in: the launcher and the OTLP endpoints. */
export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  const host = window.location.hostname;
  return (
    <Stack gap="xs" p="lg" maw={720} data-testid="empty-state">
      <Title order={4}>{title}</Title>
      {children}
      <Text size="sm">Instrument a Node.js service with no code change:</Text>
      <Code block>npx spyglass run --service-name checkout -- node app.js</Code>
      <Text size="sm">
        Or point any OpenTelemetry SDK or Collector at the OTLP endpoints (default ports):
      </Text>
      <Code block>
        {`OTEL_EXPORTER_OTLP_ENDPOINT=http://${host}:4318   # OTLP/HTTP\nOTEL_EXPORTER_OTLP_ENDPOINT=http://${host}:4317   # OTLP/gRPC`}
      </Code>
      <Text size="sm" c="dimmed">
        Try a wider time range if data arrived earlier.
      </Text>
    </Stack>
  );
}

export function ErrorState({ error, title = 'Something went wrong' }: { error: unknown; title?: string }) {
  const failure = error instanceof ApiFailure ? error : undefined;
  return (
    <Alert color="red" title={title} data-testid="error-state" my="sm">
      <Text size="sm">{failure?.message ?? (error as Error)?.message ?? String(error)}</Text>
      {failure && (
        <Text size="xs" c="dimmed" mt={4}>
          {failure.code}
          {failure.status ? ` (HTTP ${failure.status})` : ''}
        </Text>
      )}
    </Alert>
  );
}
