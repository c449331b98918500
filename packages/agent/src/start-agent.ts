/* eslint-disable @typescript-eslint/no-require-imports -- the pipeline's modules are required lazily, see startPipeline */
import { context, diag, propagation, trace } from '@opentelemetry/api';
import { logs } from '@opentelemetry/api-logs';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import type { LoggerProvider } from '@opentelemetry/sdk-logs';
import type { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { AgentConfig } from './config/agent-config.ts';
import { INSTRUMENTATION_NAMES } from './config/config-constants.ts';
import { ConfigStore } from './config/config-store.ts';
import { bridgeConsole } from './telemetry/console-bridge.ts';
import type { ExportStats } from './telemetry/counting-exporter.ts';
import { createInstrumentations } from './telemetry/instrumentations.ts';
import { identifyService } from './telemetry/service-identity.ts';
import { LazyLoggerProvider, LazyTracerProvider } from './telemetry/lazy-providers.ts';

export interface Agent {
  readonly serviceName: string;
  readonly config: ConfigStore;
  readonly stats: ExportStats;
  /** Resolves once the export pipeline runs (it starts just after the application's own startup). */
  readonly ready: Promise<void>;
  /** Validates and applies a whole new configuration while the application runs. */
  applyConfig(input: unknown): AgentConfig;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

interface Pipeline {
  tracerProvider: NodeTracerProvider;
  loggerProvider: LoggerProvider;
  meterProvider: MeterProvider;
}

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
      const wanted = next.enabled && next.signals.traces && next.instrumentations[name];
      for (const instrumentation of instrumentations.get(name) ?? []) {
        try {
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

/** Step 2: the SDK pipeline, registered as the API's global providers. */
function startPipeline(
  config: ConfigStore,
  service: ReturnType<typeof identifyService>,
  stats: ExportStats,
): Pipeline {
  const { metrics } = require('@opentelemetry/api') as typeof import('@opentelemetry/api');
  const { BatchSpanProcessor, NodeTracerProvider } =
    require('@opentelemetry/sdk-trace-node') as typeof import('@opentelemetry/sdk-trace-node');
  const { BatchLogRecordProcessor, LoggerProvider } =
    require('@opentelemetry/sdk-logs') as typeof import('@opentelemetry/sdk-logs');
  const { MeterProvider, PeriodicExportingMetricReader } =
    require('@opentelemetry/sdk-metrics') as typeof import('@opentelemetry/sdk-metrics');
  const { OtlpHttpTraceExporter } =
    require('./telemetry/otlp-http-trace-exporter.ts') as typeof import('./telemetry/otlp-http-trace-exporter.ts');
  const { OTLPLogExporter } =
    require('@opentelemetry/exporter-logs-otlp-proto') as typeof import('@opentelemetry/exporter-logs-otlp-proto');
  const { OTLPMetricExporter } =
    require('@opentelemetry/exporter-metrics-otlp-proto') as typeof import('@opentelemetry/exporter-metrics-otlp-proto');
  const { buildResource } = require('./telemetry/resource.ts') as typeof import('./telemetry/resource.ts');
  const { CountingSpanExporter, DropCountingProcessor } =
    require('./telemetry/counting-exporter.ts') as typeof import('./telemetry/counting-exporter.ts');
  const { CodeContextProcessor } =
    require('./processors/code-context-processor.ts') as typeof import('./processors/code-context-processor.ts');
  const { DbStatementProcessor } =
    require('./processors/db-statement-processor.ts') as typeof import('./processors/db-statement-processor.ts');
  const { LiveRatioSampler } =
    require('./telemetry/live-sampler.ts') as typeof import('./telemetry/live-sampler.ts');
  const { registerProcessMetrics } =
    require('./telemetry/process-metrics.ts') as typeof import('./telemetry/process-metrics.ts');
  const { createRuntimeInstrumentation } =
    require('./telemetry/instrumentations.ts') as typeof import('./telemetry/instrumentations.ts');

  const initial = config.current;
  const resource = buildResource(service);
  const url = (path: string) => `${initial.endpoint}${path}`;
  const exportOptions = { headers: initial.headers, timeoutMillis: initial.export.timeoutMs };

  // Traces
  const batch = new BatchSpanProcessor(
    new CountingSpanExporter(
      new OtlpHttpTraceExporter({
        url: url('/v1/traces'),
        headers: initial.headers,
        timeoutMs: initial.export.timeoutMs,
      }),
      stats,
    ),
    {
      maxQueueSize: initial.export.maxQueueSize,
      maxExportBatchSize: Math.min(initial.export.maxBatchSize, initial.export.maxQueueSize),
      scheduledDelayMillis: initial.export.scheduledDelayMs,
      exportTimeoutMillis: initial.export.timeoutMs,
    },
  );
  const tracerProvider = new NodeTracerProvider({
    resource,
    sampler: new LiveRatioSampler(config),
    spanProcessors: [
      new DbStatementProcessor(config),
      new CodeContextProcessor(config),
      new DropCountingProcessor(batch, initial.export.maxQueueSize, stats),
    ],
  });

  // Logs (console bridge, pino, winston, bunyan)
  const loggerProvider = new LoggerProvider({
    resource,
    processors: [
      new BatchLogRecordProcessor({
        exporter: new OTLPLogExporter({ url: url('/v1/logs'), ...exportOptions }),
        maxQueueSize: initial.export.maxQueueSize,
        scheduledDelayMillis: initial.export.scheduledDelayMs,
      }),
    ],
  });

  // Metrics: runtime and process only. The instrumentations' request-duration metrics would
  // duplicate what the backend computes from spans (RED views), at a cost on every request.
  const meterProvider = new MeterProvider({
    resource,
    readers: [
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter({ url: url('/v1/metrics'), ...exportOptions }),
        exportIntervalMillis: initial.metrics.intervalMs,
        exportTimeoutMillis: Math.min(initial.export.timeoutMs, initial.metrics.intervalMs),
      }),
    ],
  });
  if (initial.signals.metrics) {
    // For the application's own metrics (the instrumentations got a no-op meter in step 1).
    metrics.setGlobalMeterProvider(meterProvider);
    const meter = meterProvider.getMeter('spyglass.agent');
    if (initial.metrics.runtime) {
      registerProcessMetrics(meter);
      const runtime = createRuntimeInstrumentation();
      runtime.setMeterProvider(meterProvider);
      runtime.enable();
    }
    meter
      .createObservableCounter('spyglass.agent.spans.lost', {
        description: 'Spans dropped (buffer full) or not delivered',
      })
      .addCallback((r) => {
        r.observe(stats.droppedSpans, { reason: 'buffer_full' });
        r.observe(stats.failedSpans, { reason: 'export_failed' });
      });
  }
  return { tracerProvider, loggerProvider, meterProvider };
}
