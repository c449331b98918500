import { isBuiltin } from 'node:module';
import { context, diag, propagation, trace } from '@opentelemetry/api';
import { logs } from '@opentelemetry/api-logs';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { AgentConfig } from './config/agent-config.ts';
import { INSTRUMENTATION_NAMES } from './config/config-constants.ts';
import { ConfigStore } from './config/config-store.ts';
import { bridgeConsole } from './telemetry/console-bridge.ts';
import type { ExportStats } from './telemetry/export-stats.ts';
import { createInstrumentations, gateAllows } from './telemetry/instrumentations.ts';
import { identifyService } from './telemetry/service-identity.ts';
import { LazyLoggerProvider, LazyTracerProvider } from './telemetry/lazy-providers.ts';

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
  shutdown(): Promise<void>;
}

type Pipeline = import('./telemetry/export-pipeline.ts').Pipeline;

/**
 * Starts the agent in two steps, so that it does not delay the application's
 * startup:
 * 1. now, synchronously: context propagation, and the instrumentations, which
 *    hook the modules they patch (they must, before the application requires
 *    them) and take their tracer and logger from lazy global providers;
 * 2. the export pipeline: the SDK's providers, exporters (OTLP/HTTP protobuf
 *    to the gateway), the resource, runtime metrics. Its modules are loaded on
 *    the first span or log record, or just after the application's startup
 *    code has run (setImmediate), whichever comes first. No span is lost.
 * Returns a handle whose `applyConfig` swaps the configuration live.
 */
export function startAgent(initial: AgentConfig, env: NodeJS.ProcessEnv = process.env): Agent {
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

  // Step 1: instrumentations, constructed disabled, then switched on by the configuration.
  const instrumentations = createInstrumentations(config, isExportRequest);
  const applyInstrumentationSwitches = (next: AgentConfig) => {
    for (const name of INSTRUMENTATION_NAMES) {
      const named = next.enabled && next.signals.traces && next.instrumentations[name];
      for (const instrumentation of instrumentations.get(name) ?? []) {
        try {
          const wanted = named && gateAllows(instrumentation, next);
          if (wanted && !instrumentation.getConfig().enabled) {
            instrumentation.setConfig({ ...instrumentation.getConfig(), enabled: true });
            instrumentation.enable();
          } else if (!wanted && instrumentation.getConfig().enabled) {
            instrumentation.setConfig({ ...instrumentation.getConfig(), enabled: false });
            instrumentation.disable();
          }
        } catch (err) {
          diag.warn(`spyglass: could not switch instrumentation ${name}`, err);
        }
      }
    }
  };
  applyInstrumentationSwitches(initial);
  config.subscribe((next) => applyInstrumentationSwitches(next));

  // Step 2, on first use.
  let pipeline: Pipeline | undefined;
  let attempted = false;
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const ensurePipeline = (): Pipeline | undefined => {
    if (!attempted) {
      attempted = true;
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
  setImmediate(ensurePipeline);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
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
    instrumentedPackages: packagesOf([...instrumentations.values()].flat()),
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
    shutdown() {
      stopped ??= (async () => {
        for (const i of [...instrumentations.values()].flat()) {
          try {
            if (i.getConfig().enabled !== false) i.disable();
          } catch {
            // an instrumentation that cannot unpatch must not break the exit
          }
        }
        restoreConsole();
        if (!attempted) return;
        if (!pipeline) return;
        const p = pipeline;
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

function packagesOf(instrumentations: readonly Instrumentation[]): string[] {
  const names = new Set<string>();
  for (const instrumentation of instrumentations) {
    // getModuleDefinitions() is InstrumentationBase's (marked experimental upstream).
    const definitions = (
      instrumentation as { getModuleDefinitions?: () => Array<{ name: string }> }
    ).getModuleDefinitions?.();
    for (const definition of definitions ?? []) {
      if (!isBuiltin(definition.name)) names.add(definition.name);
    }
  }
  return [...names];
}
