/** What the agent exported and lost, for its own metrics (spyglass.agent.spans.lost) and for tests. */
export interface ExportStats {
  exportedSpans: number;
  /** Spans the exporter gave up on (gateway down past the exporter's retries). */
  failedSpans: number;
  /** Spans dropped because the in-memory buffer was full. */
  droppedSpans: number;
}
