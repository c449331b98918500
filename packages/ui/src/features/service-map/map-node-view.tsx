import type { KeyboardEvent } from 'react';
import { colourFor } from '../../lib/palette.ts';
import { HEALTH_COLOURS, KIND_LABELS, type Health } from '../../lib/service-map-health.ts';
import { nodeLabel, type PlacedNode } from '../../lib/service-map-layout.ts';

interface Props {
  readonly node: PlacedNode;
  readonly health: Health;
  /** A second line under the name (a service's rate and error rate). */
  readonly caption: string;
  readonly selected: boolean;
  /** Drawn faintly: something else is selected and this node is not part of it. */
  readonly dimmed: boolean;
  readonly onSelect: (id: string) => void;
}

const CYLINDER_RY = 7;

/**
 * A node of the map: a service is a rounded box with its colour chip, a database a
 * cylinder, a broker a hexagon. The border turns amber or red when the node is unhealthy.
 */
export function MapNodeView({ node, health, caption, selected, dimmed, onSelect }: Props) {
  const { width: w, height: h } = node;
  const stroke = selected
    ? 'var(--mantine-primary-color-filled)'
    : health === 'warn' || health === 'bad'
      ? HEALTH_COLOURS[health]
      : 'var(--mantine-color-default-border)';
  const shape = {
    fill: 'var(--mantine-color-body)',
    stroke,
    strokeWidth: selected ? 2.5 : health === 'bad' ? 2 : 1.5,
  };
  const textX = node.kind === 'service' ? 28 : w / 2;
  const anchor = node.kind === 'service' ? 'start' : 'middle';
  const middle = node.kind === 'database' ? h / 2 + CYLINDER_RY / 2 : h / 2;
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      onSelect(node.id);
    }
  };
  return (
    <g
      data-testid="map-node"
      data-node-id={node.id}
      data-kind={node.kind}
      data-health={health}
      data-selected={selected || undefined}
      transform={`translate(${node.x - w / 2},${node.y - h / 2})`}
      opacity={dimmed ? 0.35 : 1}
      className="sg-map-item"
      role="button"
      tabIndex={0}
      aria-label={`${KIND_LABELS[node.kind]} ${node.id}`}
      onClick={(e) => {
        e.stopPropagation();
        onSelect(node.id);
      }}
      onKeyDown={onKeyDown}
    >
      <title>{`${KIND_LABELS[node.kind]} ${node.id}`}</title>
      {node.kind === 'service' && (
        <>
          <rect width={w} height={h} rx={8} {...shape} />
          <circle cx={15} cy={h / 2} r={5} fill={colourFor(node.id)} />
        </>
      )}
      {node.kind === 'database' && (
        <>
          <path
            d={`M0,${CYLINDER_RY} A${w / 2},${CYLINDER_RY} 0 0 1 ${w},${CYLINDER_RY} V${h - CYLINDER_RY} A${w / 2},${CYLINDER_RY} 0 0 1 0,${h - CYLINDER_RY} Z`}
            {...shape}
          />
          <path
            d={`M0,${CYLINDER_RY} A${w / 2},${CYLINDER_RY} 0 0 0 ${w},${CYLINDER_RY}`}
            fill="none"
            stroke={stroke}
            strokeWidth={shape.strokeWidth}
          />
        </>
      )}
      {node.kind === 'broker' && (
        <path d={`M14,0 H${w - 14} L${w},${h / 2} L${w - 14},${h} H14 L0,${h / 2} Z`} {...shape} />
      )}
      <text
        x={textX}
        y={middle - 3}
        textAnchor={anchor}
        fontSize={13}
        fontWeight={600}
        fill="var(--mantine-color-text)"
      >
        {nodeLabel(node.id)}
      </text>
      <text
        x={textX}
        y={middle + 11}
        textAnchor={anchor}
        fontSize={10.5}
        fill={health === 'bad' ? HEALTH_COLOURS.bad : 'var(--mantine-color-dimmed)'}
      >
        {caption}
      </text>
    </g>
  );
}
