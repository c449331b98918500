import { Badge } from '@mantine/core';
import { HEALTH_LABELS, type Health } from '../../lib/service-map-health.ts';

const BADGE_COLOURS: Record<Health, string> = { ok: 'green', warn: 'orange', bad: 'red', idle: 'gray' };

export function HealthBadge({ health }: { health: Health }) {
  return (
    <Badge color={BADGE_COLOURS[health]} variant="light" size="sm" data-testid="health-badge">
      {HEALTH_LABELS[health]}
    </Badge>
  );
}
