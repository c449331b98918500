import { after, before } from 'node:test';
import type { Browser } from 'playwright-core';
import { ensureUiBuilt } from '@spyglass/ui';
import type { RunningSpyglass } from '@spyglass/cli';
import { startTestSpyglass, waitForRows } from './start-test-spyglass.ts';
import { seedDemoTelemetry, type SeedResult } from './ui-seed.ts';
import { launchChromium } from './ui-browser.ts';

export interface UiBackend {
  readonly spyglass: RunningSpyglass;
  readonly browser: Browser;
  /** http://127.0.0.1:<port> of the UI and API. */
  readonly baseUrl: string;
  readonly seeded: SeedResult & { bigTraceId?: string };
}

/**
 * A file's UI tests: the built UI, a real all-in-one with the demo's telemetry
 * (stored before the tests start), and one headless Chromium. Call once per file.
 */
export function useUiBackend(options: { bigTraceSpans?: number } = {}): () => UiBackend {
  let backend: UiBackend | undefined;
  before(async () => {
    await ensureUiBuilt({ quiet: true });
    const spyglass = await startTestSpyglass();
    const seeded = await seedDemoTelemetry(`http://127.0.0.1:${spyglass.ports.otlpHttp}`, options);
    await waitForRows<{ n: string }>(
      spyglass,
      'SELECT count() AS n FROM otel_traces',
      (rows) => Number(rows[0]?.n) >= seeded.spanCount,
      30_000,
    );
    await waitForRows<{ n: string }>(
      spyglass,
      'SELECT count() AS n FROM otel_logs',
      (rows) => Number(rows[0]?.n) >= seeded.logCount,
    );
    const browser = await launchChromium();
    backend = { spyglass, browser, baseUrl: `http://127.0.0.1:${spyglass.ports.http}`, seeded };
  });
  after(async () => {
    await backend?.browser.close();
    await backend?.spyglass.shutdown();
  });
  return () => {
    if (!backend) throw new Error('the UI backend is not started (useUiBackend() runs in before())');
    return backend;
  };
}
