import { Client, credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { buildTraceRequest } from '../../test/support/trace-request.ts';
import { FreshIds } from './fresh-ids.ts';
import { RawHttpConnection } from './raw-http-sender.ts';

export interface LoadOptions {
  readonly transport: 'grpc' | 'http';
  /** gRPC: HTTP/2 connections the senders share (1, as one SDK or Collector uses). */
  readonly grpcChannels?: number;
  readonly target: string;
  /** Spans per second to offer in total; 0 sends as fast as the server acknowledges. */
  readonly rate: number;
  readonly durationSeconds: number;
  /** Concurrent senders (each keeps one request in flight). */
  readonly workers: number;
  readonly spansPerRequest: number;
  readonly spansPerTrace: number;
  readonly attributesPerSpan: number;
}

export interface LoadResult {
  readonly requests: number;
  readonly acknowledgedSpans: number;
  readonly throttled: number;
  readonly failed: number;
  readonly seconds: number;
  /** Acknowledgement latency of successful requests, in milliseconds. */
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
}

/**
 * A telemetrygen-like load generator: pre-builds a pool of distinct OTLP trace
 * requests (so that generating load costs the generator almost nothing), then
 * sends them from `workers` concurrent loops, optionally paced to `rate`.
 */
export async function generateLoad(o: LoadOptions): Promise<LoadResult> {
  const pool: FreshIds[] = [];
  for (let i = 0; i < 64; i++) {
    const parts: Buffer[] = [];
    for (let t = 0; t * o.spansPerTrace < o.spansPerRequest; t++) {
      parts.push(
        buildTraceRequest({
          service: `bench-svc-${(i + t) % 10}`,
          spans: o.spansPerTrace,
          seed: i * 10_000 + t,
          attributes: o.attributesPerSpan,
        }).body,
      );
    }
    pool.push(new FreshIds(Buffer.concat(parts))); // concatenated requests merge their repeated resource_spans
  }
  // HTTP: a keep-alive connection per worker; gRPC: channels shared round-robin (each its own
  // connection: grpc-js would otherwise share one subchannel between clients of the same target).
  const channels = Math.max(1, o.grpcChannels ?? 1);
  const grpcPool = o.transport === 'grpc' ? Array.from({ length: channels }, () => grpcSender(o.target)) : [];
  const senders = Array.from({ length: o.workers }, (_, w) => grpcPool[w % channels] ?? httpSender(o.target));
  const started = performance.now();
  const deadline = started + o.durationSeconds * 1000;
  const perWorkerInterval = o.rate > 0 ? (o.workers * o.spansPerRequest * 1000) / o.rate : 0;
  let requests = 0;
  let acknowledgedSpans = 0;
  let throttled = 0;
  let failed = 0;
  const latencies: number[] = [];
  await Promise.all(
    Array.from({ length: o.workers }, async (_, w) => {
      let next = performance.now();
      for (let i = w; performance.now() < deadline; i += o.workers) {
        if (perWorkerInterval > 0) {
          next += perWorkerInterval;
          const wait = next - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        }
        requests++;
        const sentAt = performance.now();
        const outcome = await senders[w]!(pool[i % pool.length]!.next());
        if (outcome === 'ok') {
          acknowledgedSpans += o.spansPerRequest;
          latencies.push(performance.now() - sentAt);
        } else if (outcome === 'throttled') {
          throttled++;
          await new Promise((r) => setTimeout(r, 50));
        } else failed++;
      }
    }),
  );
  for (const s of new Set(senders)) s.close();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    Math.round(latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0);
  return {
    requests,
    acknowledgedSpans,
    throttled,
    failed,
    seconds: (performance.now() - started) / 1000,
    latencyP50Ms: pct(0.5),
    latencyP99Ms: pct(0.99),
  };
}

type Sender = ((body: Buffer) => Promise<'ok' | 'throttled' | 'failed'>) & { close(): void };

/** One keep-alive HTTP/1.1 connection per worker (see raw-http-sender.ts). */
function httpSender(target: string): Sender {
  const url = new URL(target);
  const connection = new RawHttpConnection(url.hostname, Number(url.port));
  const send = async (body: Buffer) => {
    const status = await connection.post('/v1/traces', 'application/x-protobuf', body);
    return status === 200 ? 'ok' : status === 429 || status === 503 ? 'throttled' : 'failed';
  };
  const sender: Sender = Object.assign(send, { close: () => connection.close() });
  return sender;
}

function grpcSender(target: string): Sender {
  const client = new Client(target.replace(/^https?:\/\//, ''), credentials.createInsecure(), {
    'grpc.max_send_message_length': 64 * 1024 * 1024,
    'grpc.use_local_subchannel_pool': 1,
  });
  const id = (b: Buffer) => b;
  const send = (body: Buffer) =>
    new Promise<'ok' | 'throttled' | 'failed'>((resolve) => {
      client.makeUnaryRequest(
        '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
        id,
        id,
        body,
        new Metadata(),
        (err: ServiceError | null) =>
          resolve(
            !err
              ? 'ok'
              : err.code === status.RESOURCE_EXHAUSTED || err.code === status.UNAVAILABLE
                ? 'throttled'
                : 'failed',
          ),
      );
    });
  const sender: Sender = Object.assign(send, { close: () => client.close() });
  return sender;
}
