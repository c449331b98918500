import { propagation, trace } from '@opentelemetry/api';
import { logs } from '@opentelemetry/api-logs';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import type { AgentConfig } from './config/agent-config.ts';
import { ConfigStore } from './config/config-store.ts';
import { AgentContextManager, installContextManager } from './telemetry/agent-context-manager.ts';
import { bridgeConsole } from './telemetry/console-bridge.ts';
import type { ExportStats } from './telemetry/export-stats.ts';
import { instrumentationCatalog } from './telemetry/instrumentations.ts';
import { InstrumentationSet } from './telemetry/instrumentation-set.ts';
import { identifyService } from './telemetry/service-identity.ts';
import { LazyLoggerProvider, LazyTracerProvider } from './telemetry/lazy-providers.ts';
import { useImportHooks } from './telemetry/import-hook-switch.ts';

export interface Agent {
  readonly serviceName: string;
  readonly config: ConfigStore;
  readonly stats: ExportStats;
  /** The packages (not Node.js built-ins) the instrumentations patch, from their module definitions. */
  readonly instrumentedPackages: readonly string[];
  /** Resolves once the export pipeline runs (it starts just after the application's own startup). */
  readonly ready: Promise<void>;
  /** Validates and applies a whole new configuration while the application runs. */
  applyConfig(input: unknown): AgentConfig;
  forceFlush(): Promise<void>;
  /**
   * Flushes and stops, for an application that is exiting: what is still
   * buffered gets one delivery attempt within `graceMs` (no retries after), so
   * an unreachable gateway never holds the exit longer.
   */
  shutdown(graceMs?: number): Promise<void>;
}

type Pipeline = import('./telemetry/export-pipeline.ts').Pipeline;

/** The default of Agent.shutdown's grace period (also the agent's on SIGTERM/SIGINT). */
export const SHUTDOWN_GRACE_MS = 2000;

/** When the export pipeline loads at the latest (see startAgent). It took ~17 ms of startup at setImmediate. */
const PIPELINE_DELAY_MS = 1000;

export interface StartOptions {
  /**
   * An ES-module application, whose imports import-in-the-middle's loader
   * hook sees (esm-hooks.ts registers it): every wanted instrumentation is
   * constructed now rather than on the first require of its package (imports
   * are hooked in the loader thread before they resolve), and their import
   * hooks are import-in-the-middle's own, not inert ones
   * (telemetry/import-hook-switch.ts).
   */
  readonly esModuleHooks?: boolean;
  /**
   * Called once when the application has started: just before the export
   * pipeline loads (on the first span or log record, or PIPELINE_DELAY_MS
   * after start). The preload saves the bundle's code cache then.
   */
  readonly onStartupDone?: () => void;
}

/**
 * Starts the agent in two steps, so that it does not delay the application's
 * startup:
 * 1. now, synchronously: context propagation, and the instrumentations, which
 *    hook the modules they patch (they must, before the application requires
 *    them) and take their tracer and logger from lazy global providers;
 * 2. the export pipeline: the SDK's providers, exporters (OTLP/HTTP protobuf
 *    to the gateway), the resource, runtime metrics. Its modules are loaded on
 *    the first span or log record, or PIPELINE_DELAY_MS after start, whichever
 *    comes first: off the application's startup path (an idle application
 *    loads it a second later; a busy one with its first span). No span is lost.
 * Returns a handle whose `applyConfig` swaps the configuration live.
 */
export function startAgent(
  initial: AgentConfig,
  env: NodeJS.ProcessEnv = process.env,
  options: StartOptions = {},
): Agent {
  if (options.esModuleHooks) useImportHooks();
  const service = identifyService(initial.serviceName, env);
  const config = new ConfigStore(initial, service.name);
  const endpoint = new URL(initial.endpoint);
  const exportHost = endpoint.hostname;
  const exportPort = endpoint.port || (endpoint.protocol === 'https:' ? '443' : '80');
  const isExportRequest = (host: string | undefined, port: number | string | undefined) =>
    host !== undefined &&
    host.replace(/:\d+$/, '') === exportHost &&
    String(port ?? exportPort) === exportPort;
  const stats: ExportStats = { exportedSpans: 0, failedSpans: 0, droppedSpans: 0 };

  // Step 2, the export pipeline, loaded on first use (declared first: step 1's recorder reads it).
  let pipeline: Pipeline | undefined;
  let attempted = false;
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const ensurePipeline = (): Pipeline | undefined => {
    if (!attempted) {
      attempted = true;
      try {
        options.onStartupDone?.();
      } catch {
        // the cache is an optimisation
      }
      try {
        // Required here, not imported: the pipeline's modules load only now (see export-pipeline.ts).
        const { startPipeline } =
          // eslint-disable-next-line @typescript-eslint/no-require-imports
          require('./telemetry/export-pipeline.ts') as typeof import('./telemetry/export-pipeline.ts');
        pipeline = startPipeline(config, service, stats);
      } catch (err) {
        process.stderr.write(`[spyglass agent] export pipeline not started: ${(err as Error).message}\n`);
      }
      markReady();
    }
    return pipeline;
  };

  // Step 1: instrumentations, each constructed and enabled once wanted and its package is required.
  const recorder = () => (initial.signals.traces ? ensurePipeline()?.recorder : undefined);
  const instrumentations = new InstrumentationSet(
    instrumentationCatalog(config, isExportRequest, recorder),
    initial,
  );
  instrumentations.start();
  if (options.esModuleHooks) instrumentations.constructAll();
  config.subscribe((next) => instrumentations.apply(next));

  setTimeout(ensurePipeline, PIPELINE_DELAY_MS).unref();
  installContextManager(new AgentContextManager());
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
  if (initial.signals.traces)
    trace.setGlobalTracerProvider(new LazyTracerProvider(() => ensurePipeline()?.tracerProvider));
  const lazyLogs = new LazyLoggerProvider(() => ensurePipeline()?.loggerProvider);
  if (initial.signals.logs) logs.setGlobalLoggerProvider(lazyLogs);
  const restoreConsole = bridgeConsole(
    lazyLogs.getLogger('spyglass.console'),
    () => config.current.signals.logs && config.current.logs.console,
  );

  let stopped: Promise<void> | undefined;
  return {
    serviceName: service.name,
    config,
    stats,
    instrumentedPackages: instrumentations.packages,
    ready,
    applyConfig: (input) => config.replace(input),
    async forceFlush() {
      await ready;
      if (!pipeline) return;
      const p = pipeline;
      await Promise.allSettled([
        p.tracerProvider.forceFlush(),
        p.loggerProvider.forceFlush(),
        p.meterProvider.forceFlush(),
      ]);
    },
    shutdown(graceMs = SHUTDOWN_GRACE_MS) {
      stopped ??= (async () => {
        instrumentations.disableAll();
        restoreConsole();
        if (!attempted) return;
        if (!pipeline) return;
        const p = pipeline;
        p.closeTransports(graceMs);
        await Promise.allSettled([
          p.tracerProvider.shutdown(),
          p.loggerProvider.shutdown(),
          p.meterProvider.shutdown(),
        ]);
      })();
      return stopped;
    },
  };
}
