import { formatCount, formatDurationMs, formatPercent } from '../../lib/format.ts';
import { HEALTH_COLOURS, edgeErrorRate, type Health } from '../../lib/service-map-health.ts';
import { EDGE_LABEL_SIZE, edgePath, trimRouteEnd, type PlacedEdge } from '../../lib/service-map-layout.ts';

interface Props {
  readonly edge: PlacedEdge;
  /** Position in the drawing, for the arrowhead marker's id. */
  readonly index: number;
  readonly health: Health;
  readonly width: number;
  readonly selected: boolean;
  readonly dimmed: boolean;
  readonly onSelect: (key: string) => void;
}

/**
 * An edge of the map: a curve from caller to callee, as thick as it is busy and coloured by
 * its health, with an arrowhead and a label of its calls, error rate and p95. A wide
 * invisible stroke under it makes thin edges easy to click.
 */
export function MapEdgeView({ edge, index, health, width, selected, dimmed, onSelect }: Props) {
  const colour = HEALTH_COLOURS[health];
  const arrow = 6 + width * 1.2;
  const d = edgePath(trimRouteEnd(edge.points, arrow));
  const markerId = `sg-map-arrow-${index}`;
  const errorRate = edgeErrorRate(edge);
  const label = EDGE_LABEL_SIZE;
  return (
    <g
      data-testid="map-edge"
      data-edge={edge.key}
      data-health={health}
      data-selected={selected || undefined}
      opacity={dimmed ? 0.25 : 1}
      className="sg-map-item"
      role="button"
      tabIndex={0}
      aria-label={`Calls from ${edge.source} to ${edge.target}`}
      onClick={(e) => {
        e.stopPropagation();
        onSelect(edge.key);
      }}
      onKeyDown={(e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          onSelect(edge.key);
        }
      }}
    >
      <title>{`${edge.source} → ${edge.target}`}</title>
      <defs>
        <marker
          id={markerId}
          viewBox="0 0 10 10"
          refX={0}
          refY={5}
          markerWidth={arrow}
          markerHeight={arrow}
          markerUnits="userSpaceOnUse"
          orient="auto"
        >
          <path d="M0,0 L10,5 L0,10 z" fill={colour} />
        </marker>
      </defs>
      <path d={d} fill="none" stroke="transparent" strokeWidth={Math.max(14, width + 8)} />
      {selected && (
        <path
          d={d}
          fill="none"
          stroke="var(--mantine-primary-color-filled)"
          strokeOpacity={0.35}
          strokeWidth={width + 6}
          strokeLinecap="round"
        />
      )}
      <path
        d={d}
        fill="none"
        stroke={colour}
        strokeWidth={width}
        strokeLinecap="round"
        markerEnd={`url(#${markerId})`}
        data-testid="map-edge-line"
      />
      <g transform={`translate(${edge.label.x},${edge.label.y})`}>
        <rect
          x={-label.width / 2}
          y={-label.height / 2}
          width={label.width}
          height={label.height}
          rx={4}
          fill="var(--mantine-color-body)"
          fillOpacity={0.92}
          stroke={selected ? 'var(--mantine-primary-color-filled)' : 'none'}
        />
        <text textAnchor="middle" fontSize={10.5} y={-2} fill="var(--mantine-color-text)">
          {formatCount(edge.calls)} calls
          {edge.errors > 0 && (
            <tspan fill={health === 'ok' ? 'var(--mantine-color-dimmed)' : colour} fontWeight={600}>
              {` · ${formatPercent(errorRate)} err`}
            </tspan>
          )}
        </text>
        <text textAnchor="middle" fontSize={10.5} y={11} fill="var(--mantine-color-dimmed)">
          p95 {formatDurationMs(edge.p95Ms)}
        </text>
      </g>
    </g>
  );
}
