export { startGateway, type Gateway, type GatewayOptions } from './gateway.ts';
export { IngestPipeline, type PipelineOptions, type PipelineStats } from './pipeline/ingest-pipeline.ts';
export type { IngestOutcome } from './pipeline/ingest-outcome.ts';
export {
  BatchSpool,
  type InsertGroup,
  type SpooledBatch,
  type SpooledTable,
} from './pipeline/batch-spool.ts';
export { createApiKeyCheck } from './auth/api-key-auth.ts';
export type { Logger } from './logger.ts';
export { silentLogger } from './logger.ts';
