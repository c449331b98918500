import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ROOT_CONTEXT,
  createContextKey,
  propagation,
  trace,
  type Context,
  type TextMapGetter,
  type TextMapPropagator,
} from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { requestContext } from '../src/telemetry/request-propagation.ts';

const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

test("a request's context: W3C headers extracted, none skipped, and any other propagator always asked", () => {
  // The agent's propagator (start-agent.ts).
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
  try {
    assert.equal(requestContext({ host: 'shop.local', 'user-agent': 'curl/8' }), ROOT_CONTEXT);
    const child = requestContext({ traceparent: TRACEPARENT, tracestate: 'vendor=1' });
    assert.equal(trace.getSpanContext(child)?.traceId, '0af7651916cd43dd8448eb211c80319c');
    assert.equal(trace.getSpanContext(child)?.traceState?.get('vendor'), '1');
    const withBaggage = requestContext({ baggage: 'tenant=acme' });
    assert.equal(propagation.getBaggage(withBaggage)?.getEntry('tenant')?.value, 'acme');
  } finally {
    propagation.disable();
  }

  // A propagator that reads a header of its own is asked even when no W3C header is present.
  const KEY = createContextKey('custom');
  const custom: TextMapPropagator = {
    inject: () => {},
    extract: (context: Context, carrier: unknown, getter: TextMapGetter) => {
      const value = getter.get(carrier, 'x-custom-trace');
      return value === undefined ? context : context.setValue(KEY, value);
    },
    fields: () => ['x-custom-trace'],
  };
  propagation.setGlobalPropagator(custom);
  try {
    assert.equal(requestContext({ 'x-custom-trace': 'abc' }).getValue(KEY), 'abc');
  } finally {
    propagation.disable();
  }
});
