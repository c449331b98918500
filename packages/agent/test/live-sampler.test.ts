import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ROOT_CONTEXT, SpanKind, TraceFlags, trace } from '@opentelemetry/api';
import { SamplingDecision } from '@opentelemetry/sdk-trace-base';
import { parseAgentConfig } from '../src/config/agent-config.ts';
import { ConfigStore } from '../src/config/config-store.ts';
import { LiveRatioSampler } from '../src/telemetry/live-sampler.ts';

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
