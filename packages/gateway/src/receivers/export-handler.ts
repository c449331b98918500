import { DecodeError, decodeRequest, type Encoding, type Signal } from '@spyglass/otlp';
import type { IngestPipeline } from '../pipeline/ingest-pipeline.ts';
import type { IngestOutcome } from '../pipeline/ingest-outcome.ts';
import { joinForDecode, type RequestBody } from './request-body.ts';

/** The transport-independent result of one export call. */
export type ExportResult =
  | { readonly kind: 'ok'; readonly rejected: number; readonly message: string }
  | { readonly kind: 'invalid'; readonly message: string }
  | Exclude<IngestOutcome, { kind: 'stored' }>;

/**
 * Decodes, maps and ingests one OTLP export request. Shared by the HTTP and
 * gRPC receivers so that both have exactly the same semantics.
 */
export async function handleExport(
  pipeline: IngestPipeline,
  signal: Signal,
  encoding: Encoding,
  body: RequestBody,
): Promise<ExportResult> {
  // Refused before decoding: under overload, decoding what cannot be taken only steals CPU from inserts.
  if (pipeline.isFull()) return pipeline.backpressure();
  let mapped;
  try {
    // Joined and decoded in one synchronous step: the joined body is reused by the next request.
    mapped = decodeRequest(signal, encoding, joinForDecode(body));
  } catch (err) {
    if (err instanceof DecodeError)
      return { kind: 'invalid', message: `malformed ${encoding} ${signal} request: ${err.message}` };
    if (err instanceof RangeError || err instanceof TypeError || err instanceof SyntaxError) {
      // Defensive: a decoder bug on hostile input must not crash the process.
      return { kind: 'invalid', message: `malformed ${encoding} ${signal} request: ${err.message}` };
    }
    throw err;
  }
  const outcome = await pipeline.consume(mapped.tables);
  if (outcome.kind !== 'stored') return outcome;
  const message = mapped.rejected > 0 ? `${mapped.rejected} rejected: ${mapped.errors.join('; ')}` : '';
  return { kind: 'ok', rejected: mapped.rejected, message };
}
