import { useMemo } from 'react';
import { Badge, Code, Group, Text, Tooltip } from '@mantine/core';
import { formatBytes, prettyPayload, type Payload } from '../../lib/trace-attributes.ts';
import { CopyIcon } from './copy-value.tsx';
import classes from './trace-view.module.css';

// Pretty-printing is for reading; beyond this the body is shown as it came.
const MAX_PRETTY_CHARS = 200_000;

/** A captured body: JSON pretty-printed, with how much of it the agent kept when it was cut. */
export function PayloadView({ payload }: { payload: Payload }) {
  const shown = useMemo(
    () =>
      payload.encoding === undefined && payload.value.length <= MAX_PRETTY_CHARS
        ? prettyPayload(payload.value)
        : { text: payload.value, format: 'text' as const },
    [payload],
  );
  const kept = new TextEncoder().encode(payload.value).length;
  return (
    <div data-testid="payload" data-payload-key={payload.key}>
      <Group gap={6} mb={4} wrap="wrap">
        <Text size="xs" fw={600}>
          {payload.label}
        </Text>
        {shown.format === 'json' && (
          <Badge size="xs" variant="light" color="blue">
            JSON
          </Badge>
        )}
        {payload.truncated && (
          <Tooltip label="The agent keeps the first bytes of a body (capture.payloads.maxBytes)">
            <Badge size="xs" variant="filled" color="orange" data-testid="payload-truncated">
              truncated
              {payload.size !== undefined ? `: ${formatBytes(kept)} of ${formatBytes(payload.size)}` : ''}
            </Badge>
          </Tooltip>
        )}
        {!payload.truncated && payload.size !== undefined && (
          <Text size="xs" c="dimmed">
            {formatBytes(payload.size)}
          </Text>
        )}
        {payload.encoding && (
          <Badge size="xs" variant="light" color="gray">
            {payload.encoding}
          </Badge>
        )}
        <div style={{ marginLeft: 'auto' }}>
          <CopyIcon value={payload.value} label={payload.label.toLowerCase()} />
        </div>
      </Group>
      <Code
        block
        className={shown.format === 'text' ? classes.wrapBlock : classes.codeBlock}
        data-testid="payload-text"
      >
        {shown.text}
        {payload.truncated ? '\n… (truncated)' : ''}
      </Code>
    </div>
  );
}
