/** Shapes of the query API's responses (docs/api.md); rows use the tables' column names. */

export type Signal = 'traces' | 'logs';
export type Row = Record<string, unknown>;

export interface SearchResponse {
  rows: Row[];
  nextCursor: string | null;
  explanation: string;
  notice?: string;
}

export interface HistogramResponse {
  bucketSeconds: number;
  buckets: Array<{ t: string; series?: string; count: number }>;
  explanation: string;
  notice?: string;
}

export interface ExplainResponse {
  explanation: string;
  sql: string;
}

export interface TraceResponse {
  spans: Row[];
  logs: Row[];
  notice?: string;
}

export interface RedNumbers {
  requests: number;
  rate: number;
  errorRate: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
}

export interface RedItem extends RedNumbers {
  name: string;
  series: Array<RedNumbers & { t: string }>;
}

export interface ServicesResponse {
  services: RedItem[];
  notice?: string;
}

export interface OperationsResponse {
  service: string;
  operations: RedItem[];
  notice?: string;
}

export type NodeKind = 'service' | 'database' | 'broker';

export interface ServiceMapResponse {
  nodes: Array<{ id: string; kind: NodeKind }>;
  edges: Array<{
    source: string;
    target: string;
    calls: number;
    errors: number;
    p50Ms: number;
    p95Ms: number;
    p99Ms: number;
  }>;
  sampledOneIn: number;
  notice?: string;
}

export interface FieldsResponse {
  fields: Array<{ name: string; map: string; count: number }>;
}

export interface FieldValuesResponse {
  field: string;
  values: Array<{ value: string; count: number }>;
}

export interface SqlResponse {
  rows: Row[];
  columns: Array<{ name: string; type: string }>;
  elapsedMs: number;
}

export interface SchemaResponse {
  tables: Array<{ name: string; columns: Array<{ name: string; type: string }> }>;
}

export interface ApiErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}
