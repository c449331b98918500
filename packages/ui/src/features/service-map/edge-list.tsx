import { Group, Stack, Text, UnstyledButton } from '@mantine/core';
import { formatCount, formatDurationMs, formatPercent } from '../../lib/format.ts';
import { HEALTH_COLOURS, edgeErrorRate, edgeHealth, type MapEdge } from '../../lib/service-map-health.ts';
import { edgeKey } from '../../lib/service-map-layout.ts';

/**
 * A node's calls in one direction: each other end with the calls, error rate and p95;
 * a click selects that edge.
 */
export function EdgeList({
  title,
  edges,
  direction,
  onSelect,
}: {
  title: string;
  edges: readonly MapEdge[];
  direction: 'in' | 'out';
  onSelect: (key: string) => void;
}) {
  if (edges.length === 0) return null;
  return (
    <Stack gap={2}>
      <Text size="xs" c="dimmed" fw={600} tt="uppercase">
        {title}
      </Text>
      {[...edges]
        .sort((a, b) => b.calls - a.calls)
        .map((e) => {
          const health = edgeHealth(e);
          return (
            <UnstyledButton
              key={edgeKey(e)}
              className="clickable"
              px={6}
              py={4}
              style={{ borderRadius: 'var(--mantine-radius-sm)' }}
              onClick={() => onSelect(edgeKey(e))}
              data-testid="panel-edge-row"
              data-edge={edgeKey(e)}
            >
              <Group gap="xs" wrap="nowrap">
                <span
                  style={{
                    width: 8,
                    height: 8,
                    borderRadius: 4,
                    background: HEALTH_COLOURS[health],
                    flexShrink: 0,
                  }}
                />
                <Text size="sm" truncate style={{ flex: 1 }}>
                  {direction === 'in' ? `← ${e.source}` : `→ ${e.target}`}
                </Text>
                <Text size="xs" className="mono" c="dimmed" style={{ flexShrink: 0 }}>
                  {formatCount(e.calls)} calls · {formatPercent(edgeErrorRate(e))} err · p95{' '}
                  {formatDurationMs(e.p95Ms)}
                </Text>
              </Group>
            </UnstyledButton>
          );
        })}
    </Stack>
  );
}
