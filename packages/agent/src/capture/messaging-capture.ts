import type { Attributes, Span } from '@opentelemetry/api';
import type { ConfigStore } from '../config/config-store.ts';
import { messagePayloadAttributes } from './payload-capture.ts';

/** Message payloads on producer and consumer spans, for the kafkajs and amqplib instrumentations' hooks. */
export function createMessagingHooks(config: ConfigStore) {
  const payload = (span: Span, value: unknown): void => {
    const rules = config.capture.messagingPayloads;
    if (!rules.enabled || rules.maxBytes === 0) return;
    const attributes: Attributes = {};
    messagePayloadAttributes(value, rules.maxBytes, attributes);
    span.setAttributes(attributes);
  };
  return {
    kafkajs: {
      producerHook: (span: Span, info: { message: { value: unknown } }) => payload(span, info.message.value),
      consumerHook: (span: Span, info: { message: { value: unknown } }) => payload(span, info.message.value),
    },
    amqplib: {
      publishHook: (span: Span, info: { content: unknown }) => payload(span, info.content),
      consumeHook: (span: Span, info: { msg: { content: unknown } }) => payload(span, info.msg.content),
    },
  };
}
