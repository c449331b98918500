/**
 * Encodes an Export<Signal>ServiceResponse: empty on full success, else
 * `partial_success { rejected_<items> = 1 (int64), error_message = 2 }`.
 * The field numbers are the same for traces, logs and metrics.
 */
export function encodeExportResponse(rejected: number, message: string): Buffer {
  if (rejected === 0 && message === '') return Buffer.alloc(0);
  const msg = Buffer.from(message, 'utf8');
  const inner: number[] = [];
  if (rejected > 0) inner.push(0x08, ...encodeVarint(rejected));
  if (msg.length > 0) inner.push(0x12, ...encodeVarint(msg.length));
  const innerHead = Buffer.from(inner);
  const innerLen = innerHead.length + msg.length;
  return Buffer.concat([Buffer.from([0x0a, ...encodeVarint(innerLen)]), innerHead, msg]);
}

/** A non-negative integer as protobuf varint bytes. */
export function encodeVarint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}
