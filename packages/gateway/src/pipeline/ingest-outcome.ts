/**
 * What the pipeline says about one export request. Expected outcomes are
 * values, so receivers can map each to its HTTP status / gRPC code.
 */
export type IngestOutcome =
  /** Durable (in the write-ahead log or the store): acknowledge. */
  | { readonly kind: 'stored' }
  /** The pipeline is full: ask the client to retry after a delay. */
  | { readonly kind: 'backpressure'; readonly retryAfterSeconds: number; readonly message: string }
  /** The data could not be made durable now (disk or store failure): retryable. */
  | { readonly kind: 'unavailable'; readonly message: string };
