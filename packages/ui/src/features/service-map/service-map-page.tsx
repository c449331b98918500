import { useMemo, useState } from 'react';
import { Alert, Card, Group, Loader, Skeleton, Stack, Text, Title } from '@mantine/core';
import { EmptyState, ErrorState } from '../../components/state-views.tsx';
import { TimeRangePicker } from '../../components/time-range-picker.tsx';
import { formatPercent } from '../../lib/format.ts';
import { formatRate } from '../../lib/red-format.ts';
import { KIND_LABELS, edgeHealth, nodeHealth, type Health } from '../../lib/service-map-health.ts';
import { layoutServiceMap } from '../../lib/service-map-layout.ts';
import { useUrlRange, useUrlState } from '../../lib/use-url-state.ts';
import { useServices } from '../services/use-red-data.ts';
import { EdgePanel } from './edge-panel.tsx';
import { MapLegend } from './map-legend.tsx';
import { NodePanel } from './node-panel.tsx';
import { ServiceMapGraph } from './service-map-graph.tsx';
import { useServiceMap } from './use-service-map.ts';

/** The map and its side panel fill the window below the header. */
const MAP_HEIGHT = 'max(420px, calc(100vh - 190px))';

/**
 * /service-map: services, databases and brokers and the calls between them, coloured by
 * health. The selected node (`?node=`) or edge (`?edge=source->target`) opens a side panel.
 */
export default function ServiceMapPage() {
  const [refreshKey, setRefreshKey] = useState(0);
  const { range, resolved, setRange } = useUrlRange(refreshKey);
  const { get, set } = useUrlState();
  const map = useServiceMap(resolved);
  const services = useServices(resolved);

  const layout = useMemo(() => (map.data ? layoutServiceMap(map.data) : undefined), [map.data]);
  const red = useMemo(
    () => new Map((services.data?.services ?? []).map((s) => [s.name, s])),
    [services.data],
  );
  const view = useMemo(() => {
    const nodeHealths = new Map<string, Health>();
    const edgeHealths = new Map<string, Health>();
    const captions = new Map<string, string>();
    for (const node of layout?.nodes ?? []) {
      const numbers = red.get(node.id);
      nodeHealths.set(node.id, nodeHealth(node, layout?.edges ?? [], numbers));
      captions.set(
        node.id,
        node.kind === 'service' && numbers
          ? `${formatRate(numbers.rate)} · ${formatPercent(numbers.errorRate)} err`
          : KIND_LABELS[node.kind].toLowerCase(),
      );
    }
    for (const edge of layout?.edges ?? []) edgeHealths.set(edge.key, edgeHealth(edge));
    return { nodeHealths, edgeHealths, captions };
  }, [layout, red]);

  const selectedNode = layout?.nodes.find((n) => n.id === get('node'));
  const selectedEdge = layout?.edges.find((e) => e.key === get('edge'));
  const kindOf = (id: string) => layout?.nodes.find((n) => n.id === id)?.kind ?? 'service';
  const selectNode = (id: string) => set({ node: id, edge: undefined });
  const selectEdge = (key: string) => set({ edge: key, node: undefined });
  const clear = () => set({ node: undefined, edge: undefined });

  return (
    <Stack gap="sm" data-testid="service-map-page">
      <Group justify="space-between" align="flex-end">
        <Stack gap={0}>
          <Title order={3}>Service map</Title>
          <Text size="sm" c="dimmed">
            Who calls whom, from traces: click a service, database, broker or call for details
          </Text>
        </Stack>
        <Group gap="xs">
          {(map.isFetching || services.isFetching) && <Loader size="xs" aria-label="Loading" />}
          <TimeRangePicker range={range} onChange={setRange} onRefresh={() => setRefreshKey((k) => k + 1)} />
        </Group>
      </Group>
      {map.data && map.data.sampledOneIn > 1 && (
        <Alert color="blue" data-testid="sampled-notice" py={6}>
          This range holds many spans, so the map was computed from 1 trace in {map.data.sampledOneIn}; calls
          and errors are scaled back up and are estimates.
        </Alert>
      )}
      {map.data?.notice && <Alert color="yellow">{map.data.notice}</Alert>}
      {map.isError ? (
        <ErrorState error={map.error} title="Could not load the service map" />
      ) : map.isPending || !layout ? (
        <Skeleton h={MAP_HEIGHT} />
      ) : layout.nodes.length === 0 ? (
        <EmptyState title="No calls between services in this time range">
          <Text size="sm">
            The map is drawn from traces: calls from one service to another, and client spans to databases and
            message brokers.
          </Text>
        </EmptyState>
      ) : (
        <>
          <MapLegend />
          <Group align="stretch" gap="sm" wrap="nowrap">
            <Card withBorder padding={0} style={{ flex: 1, minWidth: 0 }}>
              <ServiceMapGraph
                layout={layout}
                nodeHealth={view.nodeHealths}
                edgeHealth={view.edgeHealths}
                captions={view.captions}
                selectedNode={selectedNode?.id}
                selectedEdge={selectedEdge?.key}
                onSelectNode={selectNode}
                onSelectEdge={selectEdge}
                onClear={clear}
                height={MAP_HEIGHT}
              />
            </Card>
            {selectedNode && (
              <NodePanel
                key={selectedNode.id}
                node={selectedNode}
                health={view.nodeHealths.get(selectedNode.id) ?? 'idle'}
                edges={layout.edges}
                red={red.get(selectedNode.id)}
                range={resolved}
                urlRange={range}
                onSelectEdge={selectEdge}
                onClose={clear}
                height={MAP_HEIGHT}
              />
            )}
            {selectedEdge && (
              <EdgePanel
                key={selectedEdge.key}
                edge={selectedEdge}
                kinds={{ source: kindOf(selectedEdge.source), target: kindOf(selectedEdge.target) }}
                range={resolved}
                urlRange={range}
                onSelectNode={selectNode}
                onClose={clear}
                height={MAP_HEIGHT}
              />
            )}
          </Group>
        </>
      )}
    </Stack>
  );
}
