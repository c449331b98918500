import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backingService } from '../support/backing-services.ts';
import {
  describeSpans,
  fixture,
  runFixture,
  serviceEnv,
  useBackend,
  uniqueService,
  waitForSpans,
} from '../support/agent-harness.ts';

// Messaging through real brokers: a producer and a consumer (kafkajs on Kafka, amqplib on
// RabbitMQ) in one process. The consumer callback runs in the client's own receive loop, not
// in the producer's context, so the only way the consumer span can join the producer's trace
// is the traceparent header carried by the message itself (which the fixture prints).

const kafka = await backingService('kafka');
const rabbitmq = await backingService('rabbitmq');

const backend = useBackend();

const cases = [
  {
    name: 'kafkajs',
    svc: kafka,
    file: 'kafka-app.cjs',
    env: serviceEnv({ kafka: kafka.url }),
    scope: '@opentelemetry/instrumentation-kafkajs',
    payload: JSON.stringify({ orderId: 1, total: 9.5 }),
  },
  {
    name: 'amqplib',
    svc: rabbitmq,
    file: 'amqp-app.cjs',
    env: serviceEnv({ amqp: rabbitmq.url }),
    scope: '@opentelemetry/instrumentation-amqplib',
    payload: JSON.stringify({ notify: 'user-7', kind: 'shipped' }),
  },
] as const;

for (const c of cases) {
  test(
    `${c.name}: the consumer span continues the producer's trace through message headers; payloads on both`,
    { skip: c.svc.skip },
    async () => {
      const service = uniqueService(`agent-${c.name}`);
      const result = await runFixture(c.file, {
        service,
        endpoint: backend().otlpUrl,
        env: c.env,
        timeoutMs: 50_000,
      });
      const [consumedLine, traceparentLine] = result.stdout.trim().split('\n');
      assert.equal(consumedLine, `consumed ${c.payload}`, 'the application works as without the agent');

      const spans = await waitForSpans(
        backend(),
        service,
        (rows) => rows.some((s) => s.SpanKind === 'Producer') && rows.some((s) => s.SpanKind === 'Consumer'),
      );
      const all = describeSpans(spans);
      const producer = spans.find((s) => s.SpanKind === 'Producer' && s.ScopeName === c.scope);
      const consumer = spans.find((s) => s.SpanKind === 'Consumer' && s.ScopeName === c.scope);
      assert.ok(producer && consumer, all);

      assert.equal(consumer.TraceId, producer.TraceId, `same trace\n${all}`);
      assert.equal(consumer.ParentSpanId, producer.SpanId, `consumer is the producer's child\n${all}`);
      // The context crossed the broker in the message headers.
      assert.equal(traceparentLine, `traceparent 00-${producer.TraceId}-${producer.SpanId}-01`);

      for (const s of [producer, consumer]) {
        assert.equal(s.SpanAttributes['messaging.message.payload'], c.payload, all);
        assert.equal(s.SpanAttributes['messaging.message.payload.size'], String(c.payload.length), all);
        assert.equal(s.SpanAttributes['messaging.message.payload.truncated'], undefined);
      }
      assert.ok(producer.SpanAttributes['messaging.system'], all);
      // The producer span points at the application line that sent the message.
      assert.equal(producer.SpanAttributes['code.file.path'], fixture(c.file), all);
    },
  );
}

test(
  'kafkajs batch consumption: each processed message links to the producer span of its own trace',
  { skip: kafka.skip },
  async () => {
    const service = uniqueService('agent-kafka-batch');
    const result = await runFixture('kafka-batch-app.cjs', {
      service,
      endpoint: backend().otlpUrl,
      env: serviceEnv({ kafka: kafka.url }),
      timeoutMs: 50_000,
    });
    assert.match(result.stdout, /batch \d/, 'the application consumed in batches');
    const spans = await waitForSpans(
      backend(),
      service,
      (rows) =>
        rows.filter((s) => s.SpanKind === 'Producer').length >= 3 &&
        rows.filter((s) => s.SpanKind === 'Consumer').length >= 3,
    );
    const all = describeSpans(spans);
    const producers = spans.filter((s) => s.SpanKind === 'Producer');
    const processed = spans.filter((s) => s.SpanKind === 'Consumer');
    assert.equal(new Set(producers.map((p) => p.TraceId)).size, 3, `three sends, three traces\n${all}`);
    for (const p of producers) {
      const consumer = processed.find((c) => c.LinkSpanIds.includes(p.SpanId));
      assert.ok(consumer, `a processed message links to producer ${p.SpanId}\n${all}`);
      assert.equal(consumer.LinkTraceIds[consumer.LinkSpanIds.indexOf(p.SpanId)], p.TraceId);
      // The link carries the producer's trace; the message payload is on both sides.
      assert.equal(
        consumer.SpanAttributes['messaging.message.payload'],
        p.SpanAttributes['messaging.message.payload'],
      );
    }
  },
);
