import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ROOT_CONTEXT, SpanKind, TraceFlags, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  ParentBasedSampler,
  SamplingDecision,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import { SpanCollector } from './support/span-collector.ts';
import { parseAgentConfig } from '../src/config/agent-config.ts';
import { ConfigStore } from '../src/config/config-store.ts';
import { LiveRatioSampler } from '../src/telemetry/live-sampler.ts';
import { RecordingTracerProvider } from '../src/telemetry/recording-tracer.ts';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const parent = (sampled: boolean) =>
  trace.setSpanContext(ROOT_CONTEXT, {
    traceId: TRACE_ID,
    spanId: 'b7ad6b7169203331',
    traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
    isRemote: true,
  });

test('the sampler follows the live ratio: new traces by ratio (with SampleRate), children by their parent', () => {
  const config = new ConfigStore(parseAgentConfig({}), 'svc');
  const sampler = new LiveRatioSampler(config);
  const decide = (ctx = ROOT_CONTEXT, id = TRACE_ID) =>
    sampler.shouldSample(ctx, id, 'op', SpanKind.SERVER, {}, []);

  assert.equal(decide().decision, SamplingDecision.RECORD_AND_SAMPLED);
  assert.equal(decide(parent(true)).decision, SamplingDecision.RECORD_AND_SAMPLED);
  assert.equal(decide(parent(false)).decision, SamplingDecision.NOT_RECORD);

  config.replace({ sampling: { ratio: 0 } });
  assert.equal(decide().decision, SamplingDecision.NOT_RECORD);
  assert.equal(decide(parent(true)).decision, SamplingDecision.RECORD_AND_SAMPLED, 'a sampled parent wins');

  config.replace({ sampling: { ratio: 0.5 } });
  let kept = 0;
  for (let i = 0; i < 2000; i++) {
    const id = (i * 2654435761).toString(16).padStart(32, '0').slice(-32);
    const result = decide(ROOT_CONTEXT, id);
    if (result.decision === SamplingDecision.RECORD_AND_SAMPLED) {
      kept++;
      assert.equal(result.attributes?.['SampleRate'], 2);
    }
  }
  assert.ok(kept > 700 && kept < 1300, `about half kept (${kept})`);
});

test("the sampler decides as the SDK's ParentBased(TraceIdRatioBased) does, for roots and both kinds of parent", () => {
  const config = new ConfigStore(parseAgentConfig({}), 'svc');
  const sampler = new LiveRatioSampler(config);
  const local = (sampled: boolean, id: string) =>
    trace.setSpanContext(ROOT_CONTEXT, {
      traceId: id,
      spanId: 'b7ad6b7169203331',
      traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
    });
  let seed = 7;
  const hex = (chars: number) => {
    let out = '';
    for (let i = 0; i < chars; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      out += (seed >>> 16).toString(16).slice(-1);
    }
    return out;
  };
  for (const ratio of [0, 0.001, 0.1, 0.25, 0.5, 0.9, 0.999, 1]) {
    config.replace({ sampling: { ratio } });
    const sdk = new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
    for (let i = 0; i < 500; i++) {
      const id = i === 0 ? '0'.repeat(32) : i === 1 ? 'f'.repeat(32) : i === 2 ? hex(31) + 'G' : hex(32);
      // Contexts and whether the decision is a new trace's for this id (the root, and a local
      // parent with this id, which is no valid parent when the id is not). At ratio 1 a new trace is
      // kept whatever its id (as before; the agent's own ids are valid): not compared for invalid ids.
      const valid = i !== 0 && i !== 2;
      const contexts: Array<[ReturnType<typeof parent>, boolean]> = [
        [ROOT_CONTEXT, true],
        [parent(true), false],
        [parent(false), false],
        [local(true, id), true],
        [local(false, id), true],
      ];
      for (const [ctx, byThisId] of contexts) {
        if (ratio === 1 && !valid && byThisId) continue;
        const ours = sampler.shouldSample(ctx, id, 'op', SpanKind.SERVER, {}, []);
        const theirs = sdk.shouldSample(ctx, id, 'op', SpanKind.SERVER, {}, []);
        assert.equal(ours.decision, theirs.decision, `ratio ${ratio}, trace ${id}`);
        const weight =
          ours.decision === SamplingDecision.NOT_RECORD || ratio === 0 || ratio === 1
            ? undefined
            : Math.round(1 / ratio);
        assert.equal(ours.attributes?.['SampleRate'], weight, `ratio ${ratio}: SampleRate`);
      }
    }
  }
});

test("a new trace decided from its id's bytes gets shouldSample's decision for its hex", () => {
  const config = new ConfigStore(parseAgentConfig({}), 'svc');
  const sampler = new LiveRatioSampler(config);
  const bytes = new Uint8Array(16 * 400 + 3);
  let seed = 11;
  for (let i = 0; i < bytes.length; i++) bytes[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
  bytes.fill(0xff, 3, 19); // one id of all ones (the largest number)
  for (const ratio of [0, 0.001, 0.1, 0.5, 0.999, 1]) {
    config.replace({ sampling: { ratio } });
    let kept = 0;
    for (let at = 3; at + 16 <= bytes.length; at += 16) {
      const hex = Buffer.from(bytes.subarray(at, at + 16)).toString('hex');
      const expected = sampler.shouldSample(ROOT_CONTEXT, hex, 'op', SpanKind.SERVER, {}, []);
      const actual = sampler.sampleNewTrace(bytes, at);
      assert.deepEqual(actual, expected, `ratio ${ratio}, trace ${hex}`);
      if (actual.decision !== SamplingDecision.NOT_RECORD) kept++;
    }
    if (ratio === 0.5) assert.ok(kept > 150 && kept < 250, `about half kept (${kept})`);
  }
});

test("the agent's tracer samples new traces by their ids' bytes as the SDK would by their hex", () => {
  const config = new ConfigStore(parseAgentConfig({ sampling: { ratio: 0.3 } }), 'svc');
  const collect = new SpanCollector();
  const tracer = new RecordingTracerProvider({
    resource: resourceFromAttributes({}),
    sampler: new LiveRatioSampler(config),
    processors: [collect],
  }).getTracer('lib');
  const sdk = new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0.3) });
  let kept = 0;
  for (let i = 0; i < 600; i++) {
    const span = tracer.startSpan('op', {}, ROOT_CONTEXT);
    const { traceId, traceFlags } = span.spanContext();
    const expected = sdk.shouldSample(ROOT_CONTEXT, traceId, 'op', SpanKind.INTERNAL, {}, []).decision;
    assert.equal(
      (traceFlags & TraceFlags.SAMPLED) !== 0,
      expected === SamplingDecision.RECORD_AND_SAMPLED,
      traceId,
    );
    if (expected === SamplingDecision.RECORD_AND_SAMPLED) kept++;
    span.end();
  }
  assert.equal(collect.ended.length, kept);
  assert.ok(collect.ended.every((span) => span.attributes['SampleRate'] === 3));
  assert.ok(kept > 120 && kept < 240, `about 30% kept (${kept})`);
});
