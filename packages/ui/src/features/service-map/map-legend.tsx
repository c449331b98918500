import type { ReactNode } from 'react';
import { Group, Text } from '@mantine/core';
import { formatDurationMs, formatPercent } from '../../lib/format.ts';
import { DEFAULT_THRESHOLDS, HEALTH_COLOURS } from '../../lib/service-map-health.ts';

const t = DEFAULT_THRESHOLDS;
const SHAPE = { fill: 'none', stroke: 'var(--mantine-color-dimmed)', strokeWidth: 1.2 };

function Item({ icon, label }: { icon: ReactNode; label: string }) {
  return (
    <Group gap={6} wrap="nowrap">
      <svg width={22} height={14} aria-hidden>
        {icon}
      </svg>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
    </Group>
  );
}

const line = (colour: string) => (
  <line x1={2} y1={7} x2={20} y2={7} stroke={colour} strokeWidth={3} strokeLinecap="round" />
);

/** What the colours and shapes of the map mean. */
export function MapLegend() {
  return (
    <Group gap="md" data-testid="map-legend">
      <Item icon={line(HEALTH_COLOURS.ok)} label={`errors < ${formatPercent(t.warnErrorRate)}`} />
      <Item
        icon={line(HEALTH_COLOURS.warn)}
        label={`errors < ${formatPercent(t.badErrorRate)} or p95 ≥ ${formatDurationMs(t.slowP95Ms)}`}
      />
      <Item icon={line(HEALTH_COLOURS.bad)} label={`errors ≥ ${formatPercent(t.badErrorRate)}`} />
      <Item icon={<rect x={2} y={2} width={18} height={10} rx={3} {...SHAPE} />} label="service" />
      <Item
        icon={
          <>
            <path d="M4,3 A7,2 0 0 1 18,3 V11 A7,2 0 0 1 4,11 Z" {...SHAPE} />
            <path d="M4,3 A7,2 0 0 0 18,3" {...SHAPE} />
          </>
        }
        label="database"
      />
      <Item icon={<path d="M6,2 H16 L20,7 L16,12 H6 L2,7 Z" {...SHAPE} />} label="message broker" />
      <Text size="xs" c="dimmed">
        Thicker lines carry more calls.
      </Text>
    </Group>
  );
}
