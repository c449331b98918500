import {
  detectResources,
  envDetector,
  hostDetector,
  osDetector,
  processDetector,
  resourceFromAttributes,
  type Resource,
} from '@opentelemetry/resources';
import { AGENT_VERSION } from '../version.ts';
import type { ServiceIdentity } from './service-identity.ts';

export function buildResource(service: ServiceIdentity): Resource {
  const detected = detectResources({ detectors: [envDetector, hostDetector, osDetector, processDetector] });
  return detected.merge(
    resourceFromAttributes({
      'service.name': service.name,
      ...(service.version ? { 'service.version': service.version } : {}),
      'telemetry.distro.name': 'spyglass',
      'telemetry.distro.version': AGENT_VERSION,
    }),
  );
}
