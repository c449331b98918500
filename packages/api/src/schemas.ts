import { z } from 'zod';

/** `from`/`to`: ISO-8601 or epoch milliseconds. */
const Instant = z.union([z.string().min(1), z.number()]);

/** The filter every search-like request has: what, which rows, when. */
const Filter = {
  signal: z.enum(['traces', 'logs']),
  query: z.string().max(10_000).default(''),
  language: z.enum(['lucene', 'sql']).default('lucene'),
  from: Instant,
  to: Instant,
};

export const SearchRequest = z
  .object({
    ...Filter,
    limit: z.number().int().min(1).max(1000).default(100),
    cursor: z.string().max(1000).optional(),
  })
  .strict();

export const HistogramRequest = z
  .object({
    ...Filter,
    splitBy: z.string().min(1).max(500).optional(),
    topN: z.number().int().min(1).max(20).default(5),
  })
  .strict();

export const RangeQuery = z.object({ from: Instant.optional(), to: Instant.optional() }).strict();

export const FieldsQuery = z
  .object({
    signal: z.enum(['traces', 'logs']).default('traces'),
    from: Instant.optional(),
    to: Instant.optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(200),
  })
  .strict();

export const SavedSearchName = z.string().trim().min(1).max(200);

export const SavedSearchBody = z
  .object({
    signal: z.enum(['traces', 'logs']),
    query: z.string().max(10_000).default(''),
    language: z.enum(['lucene', 'sql']).default('lucene'),
    from: z.string().max(100).default('now-15m'),
    to: z.string().max(100).default('now'),
    columns: z.string().max(5_000).optional(),
  })
  .strict();

export const SqlRequest = z.object({ sql: z.string().min(1).max(100_000) }).strict();

export const ErrorResponse = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});

export const SearchResponse = z.object({
  rows: z.array(z.record(z.string(), z.unknown())),
  nextCursor: z.string().nullable(),
  explanation: z.string(),
  notice: z.string().optional(),
});
