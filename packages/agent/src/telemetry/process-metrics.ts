import type { Meter } from '@opentelemetry/api';

/**
 * Process CPU and memory, next to the runtime instrumentation's event-loop,
 * heap and GC metrics: process.cpu.time (seconds, by state),
 * process.cpu.utilization (0-1 of one core since the last collection) and
 * process.memory.usage (RSS bytes).
 */
export function registerProcessMetrics(meter: Meter): void {
  let lastCpu = process.cpuUsage();
  let lastTime = process.hrtime.bigint();
  meter
    .createObservableCounter('process.cpu.time', { unit: 's', description: 'CPU time used by the process' })
    .addCallback((result) => {
      const usage = process.cpuUsage();
      result.observe(usage.user / 1e6, { 'cpu.mode': 'user' });
      result.observe(usage.system / 1e6, { 'cpu.mode': 'system' });
    });
  meter
    .createObservableGauge('process.cpu.utilization', {
      unit: '1',
      description: 'CPU used since the last collection, in cores',
    })
    .addCallback((result) => {
      const now = process.hrtime.bigint();
      const usage = process.cpuUsage(lastCpu);
      const elapsedUs = Number(now - lastTime) / 1000;
      lastCpu = process.cpuUsage();
      lastTime = now;
      if (elapsedUs > 0) result.observe((usage.user + usage.system) / elapsedUs);
    });
  meter
    .createObservableGauge('process.memory.usage', { unit: 'By', description: 'Resident set size' })
    .addCallback((result) => result.observe(process.memoryUsage.rss()));
}
