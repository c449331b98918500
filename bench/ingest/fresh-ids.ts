import { randomFillSync } from 'node:crypto';
import { ProtoReader } from '@spyglass/otlp';

/**
 * Makes each sent copy of a pooled request look like new telemetry: fresh
 * random trace and span ids (consistent within the request, so parent links
 * and traces hold) and timestamps moved to now. Without this, a benchmark
 * resending the same bytes would flatter compression.
 */
export class FreshIds {
  private readonly ids: Array<{ offset: number; length: number }> = [];
  /** For each id slot, where its fresh bytes come from in the random block (same old id, same new id). */
  private readonly sources: number[] = [];
  private randomBytes = 0;
  private readonly times: number[] = [];
  private readonly base: bigint;

  constructor(private readonly template: Buffer) {
    let base = -1n;
    walk(template, 0, template.length, 0, (field, depth, r) => {
      // depth 3 = Span inside ScopeSpans inside ResourceSpans
      if (depth !== 3) return false;
      if (field === 1 || field === 2 || field === 4) {
        const end = r.lenEnd();
        this.ids.push({ offset: r.pos, length: end - r.pos });
        r.pos = end;
        return true;
      }
      if (field === 7 || field === 8) {
        this.times.push(r.pos);
        const t = r.fixed64();
        if (base < 0n || t < base) base = t;
        return true;
      }
      return false;
    });
    this.base = base < 0n ? 0n : base;
    const seen = new Map<string, number>();
    for (const { offset, length } of this.ids) {
      const key = template.toString('hex', offset, offset + length);
      let source = seen.get(key);
      if (source === undefined) {
        seen.set(key, (source = this.randomBytes));
        this.randomBytes += length;
      }
      this.sources.push(source);
    }
  }

  /** A copy of the template with new ids, its earliest time moved to `atMs` (default: now). */
  next(atMs = Date.now()): Buffer {
    const out = Buffer.from(this.template);
    const random = randomFillSync(Buffer.allocUnsafe(this.randomBytes));
    for (let i = 0; i < this.ids.length; i++) {
      const { offset, length } = this.ids[i]!;
      const source = this.sources[i]!;
      for (let b = 0; b < length; b++) out[offset + b] = random[source + b]!; // cheaper than Buffer#copy for 8-16 bytes
    }
    // Shift every timestamp by the same amount, in 32-bit halves (no BigInt per span).
    const shift = BigInt(Math.round(atMs)) * 1_000_000n - this.base;
    const shiftLo = Number(shift & 0xffffffffn);
    const shiftHi = Number(shift >> 32n);
    for (const pos of this.times) {
      const lo = out.readUInt32LE(pos) + shiftLo;
      out.writeUInt32LE(lo % 0x100000000, pos);
      const hi = out.readUInt32LE(pos + 4) + shiftHi + Math.floor(lo / 0x100000000);
      out.writeUInt32LE(((hi % 0x100000000) + 0x100000000) % 0x100000000, pos + 4); // shifts may be negative
    }
    return out;
  }
}

const NESTED = [new Set([1]), new Set([2]), new Set([2])]; // resource_spans -> scope_spans -> spans

function walk(
  buf: Buffer,
  start: number,
  end: number,
  depth: number,
  visit: (field: number, depth: number, r: ProtoReader) => boolean,
): void {
  const r = new ProtoReader(buf, start, end);
  while (r.pos < end) {
    const tag = r.tag();
    const field = tag >>> 3;
    const wire = tag & 7;
    if (visit(field, depth, r)) continue;
    if (wire === 2 && depth < 3 && NESTED[depth]!.has(field)) {
      const childEnd = r.lenEnd();
      walk(buf, r.pos, childEnd, depth + 1, visit);
      r.pos = childEnd;
    } else r.skip(wire);
  }
}
