import { metrics } from '@opentelemetry/api';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import type { ConfigStore } from '../config/config-store.ts';
import { CodeContextProcessor } from '../processors/code-context-processor.ts';
import { DbStatementProcessor } from '../processors/db-statement-processor.ts';
import type { ExportStats } from './export-stats.ts';
import { EncodingSpanProcessor } from './encoding-span-processor.ts';
import { createRuntimeInstrumentation } from './instrumentations.ts';
import { LiveRatioSampler } from './live-sampler.ts';
import { OtlpHttpLogExporter, OtlpHttpMetricExporter } from './otlp-http-signal-exporters.ts';
import { OtlpHttpTransport } from './otlp-http-transport.ts';
import type { SpanRecorder } from './recording-span.ts';
import { RecordingTracerProvider } from './recording-tracer.ts';
import { registerProcessMetrics } from './process-metrics.ts';
import { buildResource } from './resource.ts';
import type { ServiceIdentity } from './service-identity.ts';
import { OutsideRequestLogProcessor } from './outside-request-log-processor.ts';

/**
 * Step 2 of the agent's start (see start-agent.ts): the SDK's providers and
 * exporters. start-agent requires this module only when the pipeline starts,
 * so none of these modules is loaded while the application starts.
 */
export interface Pipeline {
  /** Every instrumentation's tracer: its spans are RecordingSpans (see recording-tracer.ts). */
  tracerProvider: RecordingTracerProvider;
  /** The same resource, sampler and span processors, for the agent's own spans (RecordingSpan). */
  recorder: SpanRecorder;
  loggerProvider: LoggerProvider;
  meterProvider: MeterProvider;
  /**
   * The application is exiting: the exporters' transports stop retrying and
   * give what is still sent at most `graceMs` (see otlp-http-transport.ts).
   */
  closeTransports(graceMs: number): void;
}

/** Step 2: the SDK pipeline, registered as the API's global providers. */
export function startPipeline(config: ConfigStore, service: ServiceIdentity, stats: ExportStats): Pipeline {
  const initial = config.current;
  const resource = buildResource(service);
  const url = (path: string) => `${initial.endpoint}${path}`;
  const transportOptions = (path: string) => ({
    url: url(path),
    headers: initial.headers,
    timeoutMs: initial.export.timeoutMs,
  });

  // Traces: encoded by the agent's own encoder as spans end (see encoding-span-processor.ts).
  const traceTransport = new OtlpHttpTransport(transportOptions('/v1/traces'));
  const batch = new EncodingSpanProcessor(
    traceTransport,
    {
      maxQueueSize: initial.export.maxQueueSize,
      maxBatchSize: Math.min(initial.export.maxBatchSize, initial.export.maxQueueSize),
      scheduledDelayMs: initial.export.scheduledDelayMs,
    },
    stats,
  );
  const recorder: SpanRecorder = {
    resource,
    sampler: new LiveRatioSampler(config),
    processors: [new DbStatementProcessor(config), new CodeContextProcessor(config), batch],
  };
  const tracerProvider = new RecordingTracerProvider(recorder);

  // Logs (console bridge, pino, winston, bunyan)
  const logExporter = new OtlpHttpLogExporter(transportOptions('/v1/logs'));
  const loggerProvider = new LoggerProvider({
    resource,
    processors: [
      new OutsideRequestLogProcessor(
        new BatchLogRecordProcessor({
          exporter: logExporter,
          maxQueueSize: initial.export.maxQueueSize,
          scheduledDelayMillis: initial.export.scheduledDelayMs,
        }),
      ),
    ],
  });

  // Metrics: runtime and process only. The instrumentations' request-duration metrics would
  // duplicate what the backend computes from spans (RED views), at a cost on every request.
  const metricExporter = new OtlpHttpMetricExporter(transportOptions('/v1/metrics'));
  const meterProvider = new MeterProvider({
    resource,
    readers: [
      new PeriodicExportingMetricReader({
        exporter: metricExporter,
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
  const transports: OtlpHttpTransport[] = [traceTransport, logExporter.transport, metricExporter.transport];
  return {
    tracerProvider,
    recorder,
    loggerProvider,
    meterProvider,
    closeTransports: (graceMs) => {
      for (const t of transports) t.close(graceMs);
    },
  };
}
