import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ROOT_CONTEXT, context, createContextKey } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import {
  BatchLogRecordProcessor,
  LoggerProvider,
  type LogRecordExporter,
  type ReadableLogRecord,
} from '@opentelemetry/sdk-logs';
import { AgentContextManager } from '../src/telemetry/agent-context-manager.ts';
import { OutsideRequestLogProcessor } from '../src/telemetry/outside-request-log-processor.ts';

test('the batch log processor exports, and schedules, in none of the context its records were emitted in', async () => {
  const manager = new AgentContextManager();
  assert.equal(context.setGlobalContextManager(manager.enable()), true);
  try {
    const KEY = createContextKey('the request a line was logged in');
    const seen: Array<[when: string, value: unknown]> = [];
    const bodies: string[] = [];
    const exporter: LogRecordExporter = {
      export(records: ReadableLogRecord[], done: (result: ExportResult) => void) {
        seen.push(['export', context.active().getValue(KEY)]);
        bodies.push(...records.map((r) => r.body as string));
        setImmediate(() => {
          seen.push(['answer', context.active().getValue(KEY)]);
          done({ code: ExportResultCode.SUCCESS });
        });
      },
      forceFlush: () => Promise.resolve(),
      shutdown: () => Promise.resolve(),
    };
    const provider = new LoggerProvider({
      processors: [
        new OutsideRequestLogProcessor(
          new BatchLogRecordProcessor({ exporter, maxExportBatchSize: 2, scheduledDelayMillis: 20 }),
        ),
      ],
    });
    const logger = provider.getLogger('test');
    context.with(ROOT_CONTEXT.setValue(KEY, 'request 1'), () => {
      // Two fill a batch (sent from the second emit); the third waits for the export timer.
      for (const body of ['one', 'two', 'three']) logger.emit({ body });
    });
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(bodies, ['one', 'two', 'three']);
    assert.deepEqual(seen, [
      ['export', undefined],
      ['answer', undefined],
      ['export', undefined],
      ['answer', undefined],
    ]);
    await provider.shutdown();
  } finally {
    context.disable();
  }
});
