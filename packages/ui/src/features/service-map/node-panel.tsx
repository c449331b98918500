import { Link } from 'react-router';
import { Badge, Button, ColorSwatch, Group, Stack, Text } from '@mantine/core';
import type { RedItem } from '../../api/api-types.ts';
import { formatCount, formatDurationMs, formatPercent } from '../../lib/format.ts';
import { colourFor } from '../../lib/palette.ts';
import { formatRate } from '../../lib/red-format.ts';
import { searchHref } from '../../lib/red-search.ts';
import { errorCount } from '../../lib/red-sort.ts';
import { KIND_LABELS, type Health, type MapEdge, type MapNode } from '../../lib/service-map-health.ts';
import { nodeSpans } from '../../lib/service-map-search.ts';
import type { ResolvedRange, UrlRange } from '../../lib/time-range.ts';
import { errorRateColour } from '../services/error-rate-colour.ts';
import { ExampleTraces } from '../services/example-traces.tsx';
import { servicePath } from '../services/service-path.ts';
import { EdgeList } from './edge-list.tsx';
import { HealthBadge } from './health-badge.tsx';
import { MapPanel } from './map-panel.tsx';
import { PanelOperations } from './panel-operations.tsx';
import { StatGrid, type Stat } from './stat-grid.tsx';

interface Props {
  readonly node: MapNode;
  readonly health: Health;
  readonly edges: readonly MapEdge[];
  /** The service's RED numbers, when the node is a service with entry spans in the range. */
  readonly red: RedItem | undefined;
  readonly range: ResolvedRange;
  readonly urlRange: UrlRange;
  readonly onSelectEdge: (key: string) => void;
  readonly onClose: () => void;
  readonly height: number | string;
}

/**
 * A node's panel: a service's RED numbers and operations, or the calls into a database or
 * broker; the calls in and out; example traces of the node's spans.
 */
export function NodePanel({
  node,
  health,
  edges,
  red,
  range,
  urlRange,
  onSelectEdge,
  onClose,
  height,
}: Props) {
  const incoming = edges.filter((e) => e.target === node.id);
  const outgoing = edges.filter((e) => e.source === node.id);
  const spans = nodeSpans(node.id, node.kind);
  const stats = node.kind === 'service' && red ? serviceStats(red) : callStats(incoming);
  const slowMs = node.kind === 'service' ? red?.p95Ms : Math.max(0, ...incoming.map((e) => e.p95Ms));
  return (
    <MapPanel
      onClose={onClose}
      height={height}
      header={
        <Stack gap={4} style={{ minWidth: 0 }}>
          <Group gap="xs" wrap="nowrap">
            {node.kind === 'service' && (
              <ColorSwatch color={colourFor(node.id)} size={12} withShadow={false} />
            )}
            <Text fw={700} truncate data-testid="panel-title">
              {node.id}
            </Text>
          </Group>
          <Group gap={6}>
            <Badge variant="default" size="sm">
              {KIND_LABELS[node.kind]}
            </Badge>
            <HealthBadge health={health} />
          </Group>
        </Stack>
      }
    >
      <StatGrid stats={stats} testId="panel-stats" />
      <Group gap="xs">
        {node.kind === 'service' && (
          <Button component={Link} to={servicePath(node.id, urlRange)} size="xs" variant="light">
            Open service
          </Button>
        )}
        <Button component={Link} to={searchHref('traces', spans, urlRange)} size="xs" variant="default">
          Search spans
        </Button>
      </Group>
      {node.kind === 'service' && <PanelOperations service={node.id} range={range} urlRange={urlRange} />}
      <EdgeList
        title={node.kind === 'broker' ? 'Produced by' : 'Called by'}
        edges={incoming}
        direction="in"
        onSelect={onSelectEdge}
      />
      <EdgeList
        title={node.kind === 'broker' ? 'Consumed by' : 'Calls'}
        edges={outgoing}
        direction="out"
        onSelect={onSelectEdge}
      />
      <ExampleTraces
        key={spans.text}
        spans={spans}
        slowMs={slowMs}
        range={range}
        urlRange={urlRange}
        stacked
      />
    </MapPanel>
  );
}

function serviceStats(red: RedItem): Stat[] {
  return [
    { label: 'Requests', value: formatCount(red.requests) },
    { label: 'Rate', value: formatRate(red.rate) },
    {
      label: 'Error rate',
      value: `${formatPercent(red.errorRate)} (${formatCount(errorCount(red))})`,
      colour: errorRateColour(red.errorRate),
    },
    { label: 'p50', value: formatDurationMs(red.p50Ms) },
    { label: 'p95', value: formatDurationMs(red.p95Ms) },
    { label: 'p99', value: formatDurationMs(red.p99Ms) },
  ];
}

/** A database's or broker's numbers: the calls into it, pooled; percentiles are the worst caller's. */
function callStats(incoming: readonly MapEdge[]): Stat[] {
  const calls = incoming.reduce((sum, e) => sum + e.calls, 0);
  const errors = incoming.reduce((sum, e) => sum + e.errors, 0);
  const rate = calls > 0 ? errors / calls : 0;
  const worst = (key: 'p50Ms' | 'p95Ms' | 'p99Ms') => Math.max(0, ...incoming.map((e) => e[key]));
  return [
    { label: 'Calls', value: formatCount(calls) },
    { label: 'Errors', value: formatCount(errors) },
    { label: 'Error rate', value: formatPercent(rate), colour: errorRateColour(rate) },
    { label: 'p50 (worst caller)', value: formatDurationMs(worst('p50Ms')) },
    { label: 'p95 (worst caller)', value: formatDurationMs(worst('p95Ms')) },
    { label: 'p99 (worst caller)', value: formatDurationMs(worst('p99Ms')) },
  ];
}
