/**
 * npm run bench:decode: the decode+map hot path alone, on one core: ns and
 * bytes allocated per span of the protobuf traces transcoder (the fast path)
 * and of the general path (protobuf -> model -> rows), on two request shapes.
 *
 *   npm run bench:decode                      the working tree
 *   npm run bench:decode -- --against HEAD    side by side with the transcoder at a git ref
 *
 * Options: --against <ref> (repeatable), --rounds <n> (7), --round-ms <ms> (400),
 * --shape load|single|all (all), --skip-general.
 * Variants are timed in alternating rounds on the same bodies, after a check
 * that they produce identical rows. Allocation figures need --expose-gc (the
 * npm script passes it).
 */
import { parseArgs } from 'node:util';
import { decodeTracesProto, mapTraces, transcodeTracesProto, type MappedRequest } from '@spyglass/otlp';
import { buildTraceRequest } from '../../test/support/trace-request.ts';
import { measureVariants, type Variant, type VariantResult } from './decode-measure.ts';
import { transcoderAtRef } from './decode-variant-at-ref.ts';

const { values: args } = parseArgs({
  options: {
    against: { type: 'string', multiple: true, default: [] },
    rounds: { type: 'string', default: '7' },
    'round-ms': { type: 'string', default: '400' },
    shape: { type: 'string', default: 'all' },
    'skip-general': { type: 'boolean', default: false },
  },
});

interface Shape {
  readonly name: string;
  readonly description: string;
  readonly spansPerBody: number;
  readonly bodies: Buffer[];
}

/** 32 distinct request bodies of each shape, 512 spans with 10 attributes each. */
const SHAPES: Shape[] = [
  {
    name: 'load',
    description: 'as the ingest load generator sends: 64 resources x 8 spans',
    spansPerBody: 512,
    bodies: Array.from({ length: 32 }, (_, i) =>
      Buffer.concat(
        Array.from(
          { length: 64 },
          (_, t) =>
            buildTraceRequest({
              service: `bench-svc-${(i + t) % 10}`,
              spans: 8,
              seed: i * 10_000 + t,
              attributes: 10,
            }).body,
        ),
      ),
    ),
  },
  {
    name: 'single',
    description: 'one resource x 512 spans',
    spansPerBody: 512,
    bodies: Array.from(
      { length: 32 },
      (_, i) => buildTraceRequest({ service: `svc-${i % 10}`, spans: 512, seed: i, attributes: 10 }).body,
    ),
  },
].filter((s) => args.shape === 'all' || args.shape === s.name);

const variants: Variant[] = [];
for (const ref of args.against)
  variants.push({ name: `transcoder at ${ref}`, decode: await transcoderAtRef(ref) });
variants.push({ name: 'transcoder (working tree)', decode: transcodeTracesProto });
if (!args['skip-general'])
  variants.push({
    name: 'general path (protobuf -> model -> rows)',
    decode: (b) => mapTraces(decodeTracesProto(b)),
  });

for (const shape of SHAPES) {
  checkIdentical(variants, shape);
  const bytes = Math.round(shape.bodies.reduce((n, b) => n + b.length, 0) / shape.bodies.length);
  console.log(
    `\nshape "${shape.name}" (${shape.description}; ${bytes.toLocaleString('en-US')} bytes per request), ${args.rounds} rounds of ${args['round-ms']} ms`,
  );
  const results = await measureVariants(variants, shape.bodies, shape.spansPerBody, {
    rounds: Number(args.rounds),
    roundMs: Number(args['round-ms']),
  });
  report(results);
}

/** Every variant must produce the rows of the first, byte for byte, or the comparison means nothing. */
function checkIdentical(vs: readonly Variant[], shape: Shape): void {
  for (const body of shape.bodies) {
    const [first, ...rest] = vs.map((v) => v.decode(body));
    for (const [i, other] of rest.entries()) {
      if (!sameRows(first!, other))
        throw new Error(
          `"${vs[i + 1]!.name}" and "${vs[0]!.name}" produce different rows on shape "${shape.name}"`,
        );
    }
  }
}

function sameRows(a: MappedRequest, b: MappedRequest): boolean {
  return (
    a.accepted === b.accepted &&
    a.rejected === b.rejected &&
    a.tables.length === b.tables.length &&
    a.tables.every((t, i) => t.body.equals(b.tables[i]!.body))
  );
}

function report(results: readonly VariantResult[]): void {
  const n = (x: number | undefined, digits = 0) =>
    x === undefined || Number.isNaN(x)
      ? '-'
      : x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const width = Math.max(...results.map((r) => r.name.length));
  console.log(
    `${'variant'.padEnd(width)}  ${'ns/span'.padStart(8)} ${'(min)'.padStart(7)} ${'spans/s'.padStart(10)} ${'MB/s'.padStart(6)} ${'heap B/span'.padStart(11)} ${'ext B/span'.padStart(10)} ${'GC ms/1M spans'.padStart(14)}`,
  );
  for (const r of results) {
    console.log(
      `${r.name.padEnd(width)}  ${n(r.medianNsPerSpan).padStart(8)} ${n(r.minNsPerSpan).padStart(7)} ${n(1e9 / r.medianNsPerSpan).padStart(10)} ${n(r.megabytesPerSecond).padStart(6)} ${n(r.heapBytesPerSpan).padStart(11)} ${n(r.externalBytesPerSpan).padStart(10)} ${n(r.gcMsPerMillionSpans, 1).padStart(14)}`,
    );
  }
  const current = results.find((r) => r.name === 'transcoder (working tree)');
  for (const r of results) {
    if (r === current || !current || !r.name.startsWith('transcoder at')) continue;
    console.log(
      `working tree vs ${r.name.slice('transcoder at '.length)}: ${(r.medianNsPerSpan / current.medianNsPerSpan).toFixed(2)}x faster (median ns/span)`,
    );
  }
}
