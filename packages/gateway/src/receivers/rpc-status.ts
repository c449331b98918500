import { encodeVarint } from '@spyglass/otlp';

/** google.rpc.Status { code = 1, message = 2, details = 3 (Any) }, as OTLP/HTTP error bodies and gRPC details use it. */
export function encodeRpcStatus(code: number, message: string, retryDelaySeconds?: number): Buffer {
  const parts: Buffer[] = [];
  if (code !== 0) parts.push(Buffer.from([0x08, ...encodeVarint(code)]));
  const msg = Buffer.from(message, 'utf8');
  parts.push(Buffer.from([0x12, ...encodeVarint(msg.length)]), msg);
  if (retryDelaySeconds !== undefined) {
    // Any { type_url = 1, value = 2: RetryInfo { retry_delay = 1: Duration { seconds = 1 } } }
    const duration = Buffer.from([0x08, ...encodeVarint(retryDelaySeconds)]);
    const retryInfo = Buffer.concat([Buffer.from([0x0a, ...encodeVarint(duration.length)]), duration]);
    const typeUrl = Buffer.from('type.googleapis.com/google.rpc.RetryInfo', 'utf8');
    const any = Buffer.concat([
      Buffer.from([0x0a, ...encodeVarint(typeUrl.length)]),
      typeUrl,
      Buffer.from([0x12, ...encodeVarint(retryInfo.length)]),
      retryInfo,
    ]);
    parts.push(Buffer.from([0x1a, ...encodeVarint(any.length)]), any);
  }
  return Buffer.concat(parts);
}
