import { Link } from 'react-router';
import { Anchor, Button, Group, Stack, Text } from '@mantine/core';
import type { NodeKind } from '../../api/api-types.ts';
import { formatCount, formatDurationMs, formatPercent } from '../../lib/format.ts';
import { searchHref } from '../../lib/red-search.ts';
import { edgeErrorRate, edgeHealth, type MapEdge } from '../../lib/service-map-health.ts';
import { edgeKey } from '../../lib/service-map-layout.ts';
import { edgeSpans } from '../../lib/service-map-search.ts';
import type { ResolvedRange, UrlRange } from '../../lib/time-range.ts';
import { errorRateColour } from '../services/error-rate-colour.ts';
import { ExampleTraces } from '../services/example-traces.tsx';
import { HealthBadge } from './health-badge.tsx';
import { MapPanel } from './map-panel.tsx';
import { StatGrid } from './stat-grid.tsx';

interface Props {
  readonly edge: MapEdge;
  readonly kinds: { source: NodeKind; target: NodeKind };
  readonly range: ResolvedRange;
  readonly urlRange: UrlRange;
  readonly onSelectNode: (id: string) => void;
  readonly onClose: () => void;
  readonly height: number | string;
}

/** What an edge counts, in words (the map query's rules). */
function describeEdge(edge: MapEdge, kinds: Props['kinds']): string {
  if (kinds.target === 'database') return `Client spans of ${edge.source} to the ${edge.target} database.`;
  if (kinds.target === 'broker') return `Messages ${edge.source} produced to ${edge.target}.`;
  if (kinds.source === 'broker') return `Messages ${edge.target} consumed from ${edge.source}.`;
  return `Requests ${edge.target} served whose caller was ${edge.source}; durations are ${edge.target}'s.`;
}

/** An edge's panel: its calls, errors and latency, and example traces of its calls. */
export function EdgePanel({ edge, kinds, range, urlRange, onSelectNode, onClose, height }: Props) {
  const errorRate = edgeErrorRate(edge);
  const spans = edgeSpans(edge, kinds, range);
  const nodeLink = (id: string) => (
    <Anchor component="button" type="button" fw={700} onClick={() => onSelectNode(id)} c="inherit">
      {id}
    </Anchor>
  );
  return (
    <MapPanel
      onClose={onClose}
      height={height}
      header={
        <Stack gap={4} style={{ minWidth: 0 }}>
          <Group gap={6} wrap="nowrap" data-testid="panel-title">
            {nodeLink(edge.source)}
            <Text c="dimmed">→</Text>
            {nodeLink(edge.target)}
          </Group>
          <Group gap={6}>
            <HealthBadge health={edgeHealth(edge)} />
          </Group>
        </Stack>
      }
    >
      <Text size="sm" c="dimmed">
        {describeEdge(edge, kinds)}
      </Text>
      <StatGrid
        testId="panel-stats"
        stats={[
          { label: 'Calls', value: formatCount(edge.calls) },
          { label: 'Errors', value: formatCount(edge.errors), colour: errorRateColour(errorRate) },
          { label: 'Error rate', value: formatPercent(errorRate), colour: errorRateColour(errorRate) },
          { label: 'p50', value: formatDurationMs(edge.p50Ms) },
          { label: 'p95', value: formatDurationMs(edge.p95Ms) },
          { label: 'p99', value: formatDurationMs(edge.p99Ms) },
        ]}
      />
      <Group gap="xs">
        <Button component={Link} to={searchHref('traces', spans, urlRange)} size="xs" variant="default">
          Search spans
        </Button>
      </Group>
      <ExampleTraces
        key={edgeKey(edge)}
        spans={spans}
        slowMs={edge.p95Ms}
        range={range}
        urlRange={urlRange}
        stacked
      />
    </MapPanel>
  );
}
