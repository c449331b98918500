import { z } from 'zod';
import {
  ErrorResponse,
  FieldsQuery,
  HistogramRequest,
  RangeQuery,
  SearchRequest,
  SearchResponse,
  SqlRequest,
  SavedSearchBody,
} from './schemas.ts';

const json = (schema: z.ZodType) => ({
  content: {
    'application/json': { schema: z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) },
  },
});
const errors = {
  '400': {
    description: 'Invalid request or search syntax error (with its position)',
    ...json(ErrorResponse),
  },
  '403': { description: 'SQL that writes or reads what the API does not expose', ...json(ErrorResponse) },
  '404': { description: 'Not found', ...json(ErrorResponse) },
};
const queryParams = (schema: z.ZodObject) =>
  Object.keys(schema.shape).map((name) => ({
    name,
    in: 'query',
    required: false,
    schema: { type: 'string' },
  }));

/** The OpenAPI 3 document of the API, generated from the same zod schemas that validate requests. */
export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.0.3',
    info: {
      title: 'Spyglass API',
      version: '0.1.0',
      description: 'Search, traces, RED metrics, service map, fields and SQL over the ClickStack tables.',
    },
    paths: {
      '/api/v1/search': {
        post: {
          summary: 'Search spans or logs',
          requestBody: json(SearchRequest),
          responses: { '200': { description: 'A page of rows', ...json(SearchResponse) }, ...errors },
        },
      },
      '/api/v1/histogram': {
        post: {
          summary: 'Counts per time bucket, optionally split by a field',
          requestBody: json(HistogramRequest),
          responses: { '200': { description: 'Buckets' }, ...errors },
        },
      },
      '/api/v1/traces/{traceId}': {
        get: {
          summary: 'Every span of a trace and its logs',
          parameters: [
            {
              name: 'traceId',
              in: 'path',
              required: true,
              schema: { type: 'string', pattern: '^[0-9a-fA-F]{32}$' },
            },
          ],
          responses: { '200': { description: '{ spans, logs }' }, ...errors },
        },
      },
      '/api/v1/services': {
        get: {
          summary: 'RED per service',
          parameters: queryParams(RangeQuery),
          responses: { '200': { description: '{ services }' }, ...errors },
        },
      },
      '/api/v1/services/{name}/operations': {
        get: {
          summary: 'RED per operation of a service',
          parameters: [
            { name: 'name', in: 'path', required: true, schema: { type: 'string' } },
            ...queryParams(RangeQuery),
          ],
          responses: { '200': { description: '{ service, operations }' }, ...errors },
        },
      },
      '/api/v1/service-map': {
        get: {
          summary: 'Services, databases and brokers with their edges',
          parameters: queryParams(RangeQuery),
          responses: { '200': { description: '{ nodes, edges }' }, ...errors },
        },
      },
      '/api/v1/fields': {
        get: {
          summary: 'Attribute keys seen in a range',
          parameters: queryParams(FieldsQuery),
          responses: { '200': { description: '{ fields }' }, ...errors },
        },
      },
      '/api/v1/fields/{name}/values': {
        get: {
          summary: 'Top values of a field',
          parameters: [
            { name: 'name', in: 'path', required: true, schema: { type: 'string' } },
            ...queryParams(FieldsQuery),
          ],
          responses: { '200': { description: '{ field, values }' }, ...errors },
        },
      },
      '/api/v1/sql': {
        post: {
          summary: 'Read-only SQL (the SQL console)',
          requestBody: json(SqlRequest),
          responses: {
            '200': {
              description:
                '{ rows, columns: [{ name, type }], elapsedMs }; with a FORMAT clause of its own: { text, elapsedMs }',
            },
            ...errors,
          },
        },
      },
      '/api/v1/saved-searches': {
        get: {
          summary: 'Saved searches, shared by all users',
          responses: {
            '200': {
              description:
                '{ savedSearches: [{ name, signal, query, language, from, to, columns?, updatedAt }] }',
            },
            ...errors,
          },
        },
      },
      '/api/v1/saved-searches/{name}': {
        put: {
          summary: 'Save a search under a name (replaces one of the same name)',
          parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
          requestBody: json(SavedSearchBody),
          responses: { '200': { description: 'the saved search' }, ...errors },
        },
        delete: {
          summary: 'Delete a saved search',
          parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '204': { description: 'deleted' }, ...errors },
        },
      },
      '/api/v1/schema': {
        get: {
          summary: 'Tables and columns of the database (for autocomplete)',
          responses: {
            '200': { description: '{ tables: [{ name, columns: [{ name, type }] }] }' },
            ...errors,
          },
        },
      },
    },
  };
}
