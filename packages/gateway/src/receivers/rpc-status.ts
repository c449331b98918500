/** google.rpc.Status { code = 1, message = 2, details = 3 (Any) }, as OTLP/HTTP error bodies and gRPC details use it. */
export function encodeRpcStatus(code: number, message: string, retryDelaySeconds?: number): Buffer {
  const parts: Buffer[] = [];
  if (code !== 0) parts.push(Buffer.from([0x08, ...varint(code)]));
  const msg = Buffer.from(message, 'utf8');
  parts.push(Buffer.from([0x12, ...varint(msg.length)]), msg);
  if (retryDelaySeconds !== undefined) {
    // Any { type_url = 1, value = 2: RetryInfo { retry_delay = 1: Duration { seconds = 1 } } }
    const duration = Buffer.from([0x08, ...varint(retryDelaySeconds)]);
    const retryInfo = Buffer.concat([Buffer.from([0x0a, ...varint(duration.length)]), duration]);
    const typeUrl = Buffer.from('type.googleapis.com/google.rpc.RetryInfo', 'utf8');
    const any = Buffer.concat([
      Buffer.from([0x0a, ...varint(typeUrl.length)]),
      typeUrl,
      Buffer.from([0x12, ...varint(retryInfo.length)]),
      retryInfo,
    ]);
    parts.push(Buffer.from([0x1a, ...varint(any.length)]), any);
  }
  return Buffer.concat(parts);
}

export function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}
