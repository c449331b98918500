/**
 * npm run bench:decode: spans/s of the decode+map hot path alone, on one core,
 * for the fast protobuf path and the general (model) path side by side.
 */
import { decodeRequest, decodeTracesProto, mapTraces } from '@spyglass/otlp';
import { buildTraceRequest } from '../../test/support/trace-request.ts';

const bodies = Array.from(
  { length: 32 },
  (_, i) => buildTraceRequest({ service: `svc-${i % 10}`, spans: 512, seed: i, attributes: 10 }).body,
);
function measure(label: string, fn: (b: Buffer) => unknown): void {
  for (let i = 0; i < 200; i++) fn(bodies[i % bodies.length]!); // warm up
  const start = performance.now();
  let spans = 0;
  while (performance.now() - start < 3000) {
    for (const b of bodies) {
      fn(b);
      spans += 512;
    }
  }
  const rate = spans / ((performance.now() - start) / 1000);
  console.log(
    `${label.padEnd(40)} ${Math.round(rate).toLocaleString('en-US').padStart(12)} spans/s  (${(1e6 / rate).toFixed(2)} µs/span)`,
  );
}
measure('fast path (protobuf -> RowBinary)', (b) => decodeRequest('traces', 'protobuf', b));
measure('general path (protobuf -> model -> rows)', (b) => mapTraces(decodeTracesProto(b)));
