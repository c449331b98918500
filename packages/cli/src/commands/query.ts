import { callApi, parseDuration } from './api-client.ts';

export interface QueryOptions {
  readonly api: string;
  readonly search: string;
  readonly signal: 'traces' | 'logs';
  readonly since: string;
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  readonly limit: number;
  readonly sql: boolean;
  readonly json: boolean;
}

interface SearchResponse {
  rows: Array<Record<string, unknown>>;
  nextCursor: string | null;
  explanation: string;
  notice?: string;
}

/** `spyglass query '<search>'`: a table in the terminal, or JSON lines for scripts. */
export async function runQuery(o: QueryOptions, out: (line: string) => void): Promise<void> {
  const to = o.to ?? new Date().toISOString();
  const from = o.from ?? new Date(Date.parse(to) - parseDuration(o.since)).toISOString();
  const body = await callApi<SearchResponse>(o.api, '/api/v1/search', {
    method: 'POST',
    body: { signal: o.signal, query: o.search, language: o.sql ? 'sql' : 'lucene', from, to, limit: o.limit },
  });
  if (o.json) {
    for (const row of body.rows) out(JSON.stringify(row));
    return;
  }
  out(`# ${body.explanation} (${from} .. ${to})${body.notice ? ` (${body.notice})` : ''}`);
  const columns =
    o.signal === 'traces'
      ? ([
          [
            'Timestamp',
            (r: Record<string, unknown>) => String(r['Timestamp']).replace('T', ' ').slice(0, 23),
          ],
          ['ServiceName', (r: Record<string, unknown>) => String(r['ServiceName'])],
          ['SpanName', (r: Record<string, unknown>) => String(r['SpanName'])],
          ['Duration', (r: Record<string, unknown>) => `${(Number(r['Duration']) / 1e6).toFixed(1)}ms`],
          ['StatusCode', (r: Record<string, unknown>) => String(r['StatusCode'])],
          ['TraceId', (r: Record<string, unknown>) => String(r['TraceId'])],
        ] as const)
      : ([
          [
            'Timestamp',
            (r: Record<string, unknown>) => String(r['Timestamp']).replace('T', ' ').slice(0, 23),
          ],
          ['ServiceName', (r: Record<string, unknown>) => String(r['ServiceName'])],
          ['SeverityText', (r: Record<string, unknown>) => String(r['SeverityText'])],
          ['Body', (r: Record<string, unknown>) => String(r['Body']).replace(/\s+/g, ' ').slice(0, 100)],
        ] as const);
  const cells = body.rows.map((r) => columns.map(([, get]) => get(r)));
  const widths = columns.map(([name], i) =>
    Math.min(60, Math.max(name.length, ...cells.map((c) => c[i]!.length))),
  );
  const line = (values: readonly string[]) =>
    values.map((v, i) => (i === values.length - 1 ? v : v.slice(0, widths[i]).padEnd(widths[i]!))).join('  ');
  out(line(columns.map(([name]) => name)));
  for (const c of cells) out(line(c));
  out(
    `(${body.rows.length} rows${body.nextCursor ? ', more available: raise --limit or narrow the search' : ''})`,
  );
}
