import { DEFAULT_THRESHOLDS } from '../../lib/service-map-health.ts';

/** The text colour of an error rate: none when healthy, orange past the warning threshold, red past the failing one. */
export function errorRateColour(errorRate: number): string | undefined {
  if (errorRate >= DEFAULT_THRESHOLDS.badErrorRate) return 'red.7';
  if (errorRate >= DEFAULT_THRESHOLDS.warnErrorRate) return 'orange.7';
  return undefined;
}
