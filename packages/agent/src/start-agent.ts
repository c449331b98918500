import { context, diag, metrics, propagation, trace } from '@opentelemetry/api';
import { logs } from '@opentelemetry/api-logs';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { INSTRUMENTATION_NAMES, type AgentConfig } from './config/agent-config.ts';
import { ConfigStore } from './config/config-store.ts';
import { CodeContextProcessor } from './processors/code-context-processor.ts';
import { DbStatementProcessor } from './processors/db-statement-processor.ts';
import { bridgeConsole } from './telemetry/console-bridge.ts';
import {
  CountingSpanExporter,
  DropCountingProcessor,
  type ExportStats,
} from './telemetry/counting-exporter.ts';
import { createInstrumentations, createRuntimeInstrumentation } from './telemetry/instrumentations.ts';
import { LiveRatioSampler } from './telemetry/live-sampler.ts';
import { registerProcessMetrics } from './telemetry/process-metrics.ts';
import { buildResource, identifyService } from './telemetry/resource.ts';

export interface Agent {
  readonly serviceName: string;
  readonly config: ConfigStore;
  readonly stats: ExportStats;
  /** Validates and applies a whole new configuration while the application runs. */
  applyConfig(input: unknown): AgentConfig;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * Starts the agent: the SDK's providers (traces, logs, metrics) exporting
 * OTLP/HTTP protobuf to the gateway, the curated instrumentations, the
 * context processors, and the console bridge. Returns a handle whose
 * `applyConfig` swaps the configuration live.
 */
export function startAgent(initial: AgentConfig, env: NodeJS.ProcessEnv = process.env): Agent {
  const service = identifyService(initial.serviceName, env);
  const config = new ConfigStore(initial, service.name);
  const resource = buildResource(service);
  const endpoint = new URL(initial.endpoint);
  const exportHost = endpoint.hostname;
  const exportPort = endpoint.port || (endpoint.protocol === 'https:' ? '443' : '80');
  const isExportRequest = (host: string | undefined, port: number | string | undefined) =>
    host !== undefined &&
    host.replace(/:\d+$/, '') === exportHost &&
    String(port ?? exportPort) === exportPort;
  const url = (path: string) => `${initial.endpoint}${path}`;
  const exportOptions = { headers: initial.headers, timeoutMillis: initial.export.timeoutMs };
  const stats: ExportStats = { exportedSpans: 0, failedSpans: 0, droppedSpans: 0 };

  // Traces
  const batch = new BatchSpanProcessor(
    new CountingSpanExporter(new OTLPTraceExporter({ url: url('/v1/traces'), ...exportOptions }), stats),
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
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
  if (initial.signals.traces) trace.setGlobalTracerProvider(tracerProvider);

  // Logs
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
  if (initial.signals.logs) logs.setGlobalLoggerProvider(loggerProvider);
  const restoreConsole = bridgeConsole(
    loggerProvider.getLogger('spyglass.console'),
    () => config.current.signals.logs && config.current.logs.console,
  );

  // Metrics
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
  if (initial.signals.metrics) metrics.setGlobalMeterProvider(meterProvider);
  const agentMeter = meterProvider.getMeter('spyglass.agent');
  if (initial.metrics.runtime) registerProcessMetrics(agentMeter);
  agentMeter
    .createObservableCounter('spyglass.agent.spans.lost', {
      description: 'Spans dropped (buffer full) or not delivered',
    })
    .addCallback((r) => {
      r.observe(stats.droppedSpans, { reason: 'buffer_full' });
      r.observe(stats.failedSpans, { reason: 'export_failed' });
    });

  // Instrumentations: constructed disabled, then switched on by the configuration.
  const instrumentations = createInstrumentations(config, isExportRequest);
  const runtime = initial.metrics.runtime ? createRuntimeInstrumentation() : undefined;
  const all: Instrumentation[] = [...instrumentations.values(), ...(runtime ? [runtime] : [])];
  for (const i of all) {
    i.setTracerProvider(tracerProvider);
    i.setMeterProvider(meterProvider);
    (i as { setLoggerProvider?: (p: LoggerProvider) => void }).setLoggerProvider?.(loggerProvider);
  }
  const applyInstrumentationSwitches = (next: AgentConfig) => {
    for (const name of INSTRUMENTATION_NAMES) {
      const instrumentation = instrumentations.get(name);
      if (!instrumentation) continue;
      const wanted = next.enabled && next.signals.traces && next.instrumentations[name];
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
  };
  applyInstrumentationSwitches(initial);
  runtime?.enable();
  config.subscribe((next) => applyInstrumentationSwitches(next));

  let stopped: Promise<void> | undefined;
  return {
    serviceName: service.name,
    config,
    stats,
    applyConfig: (input) => config.replace(input),
    async forceFlush() {
      await Promise.allSettled([
        tracerProvider.forceFlush(),
        loggerProvider.forceFlush(),
        meterProvider.forceFlush(),
      ]);
    },
    shutdown() {
      stopped ??= (async () => {
        for (const i of all) i.disable();
        restoreConsole();
        await Promise.allSettled([
          tracerProvider.shutdown(),
          loggerProvider.shutdown(),
          meterProvider.shutdown(),
        ]);
      })();
      return stopped;
    },
  };
}
