import { createHash } from 'node:crypto';
import { lenField as field, varint } from '../../packages/otlp/test/support/otlp-json-to-proto.ts';

/**
 * Builds an OTLP ExportTraceServiceRequest in protobuf by hand (no SDK), with
 * deterministic unique ids from `seed`. Used by load tests and the benchmark.
 */
export function buildTraceRequest(o: { service: string; spans: number; seed: number; attributes?: number }): {
  body: Buffer;
  spanIds: string[];
} {
  const spanIds: string[] = [];
  const spans: Buffer[] = [];
  const traceId = createHash('sha256').update(`t${o.seed}`).digest().subarray(0, 16);
  const now = BigInt(Date.now()) * 1_000_000n;
  for (let i = 0; i < o.spans; i++) {
    const spanId = createHash('sha256').update(`s${o.seed}:${i}`).digest().subarray(0, 8);
    spanIds.push(spanId.toString('hex'));
    const attrs: Buffer[] = [];
    for (let a = 0; a < (o.attributes ?? 10); a++) {
      attrs.push(
        field(
          9,
          keyValue(`attr.${a}`, a % 3 === 0 ? { int: BigInt(i * a) } : { str: `value-${(i * 7 + a) % 50}` }),
        ),
      );
    }
    const start = now + BigInt(i) * 1000n;
    spans.push(
      field(
        2,
        Buffer.concat([
          field(1, traceId),
          field(2, spanId),
          i > 0 ? field(4, spanIds[0] ? Buffer.from(spanIds[0], 'hex') : Buffer.alloc(0)) : Buffer.alloc(0),
          field(5, Buffer.from(`operation-${i % 10}`)),
          Buffer.from([0x30, i === 0 ? 2 : 3]), // kind
          fixed64(7, start),
          fixed64(8, start + BigInt(((i * 7919 + o.seed) % 1000) + 1) * 100_000n), // 0.1 to 100 ms
          ...attrs,
        ]),
      ),
    );
  }
  const scopeSpans = Buffer.concat([field(1, field(1, Buffer.from('bench'))), ...spans]);
  const resource = field(1, field(1, keyValue('service.name', { str: o.service })));
  const resourceSpans = Buffer.concat([resource, field(2, scopeSpans)]);
  return { body: field(1, resourceSpans), spanIds };
}

function keyValue(key: string, value: { str: string } | { int: bigint }): Buffer {
  const any =
    'str' in value
      ? field(1, Buffer.from(value.str))
      : Buffer.concat([Buffer.from([0x18]), varint(value.int)]);
  return Buffer.concat([field(1, Buffer.from(key)), field(2, any)]);
}

function fixed64(num: number, v: bigint): Buffer {
  const b = Buffer.alloc(9);
  b[0] = (num << 3) | 1;
  b.writeBigUInt64LE(v, 1);
  return b;
}
