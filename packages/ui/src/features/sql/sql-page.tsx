import { useState } from 'react';
import { Button, Code, Group, Menu, SegmentedControl, Stack, Text } from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { apiGet, apiPost } from '../../api/api-client.ts';
import type { SchemaResponse, SqlResponse } from '../../api/api-types.ts';
import { ErrorState } from '../../components/state-views.tsx';
import { readSqlHistory, rememberSql } from '../../lib/sql-history.ts';
import { useUrlState } from '../../lib/use-url-state.ts';
import { SqlEditor } from './sql-editor.tsx';
import { SqlResultChart, SqlResultTable } from './sql-results.tsx';

const EXAMPLE = `SELECT ServiceName, count() AS spans, quantile(0.95)(Duration) / 1e6 AS p95_ms
FROM otel_traces
WHERE Timestamp > now() - INTERVAL 1 HOUR
GROUP BY ServiceName
ORDER BY spans DESC`;

/**
 * /sql?q=...: read-only SQL over the store (the API runs it under ClickHouse's readonly mode
 * with time and size caps). The query is in the URL once run, so a link reruns it.
 */
export default function SqlPage() {
  const { get, set } = useUrlState();
  const fromUrl = get('q');
  const [text, setText] = useState(fromUrl ?? EXAMPLE);
  const [view, setView] = useState<'table' | 'chart'>(get('view') === 'chart' ? 'chart' : 'table');
  const [history, setHistory] = useState(() => readSqlHistory());
  const schema = useQuery({
    queryKey: ['schema'],
    queryFn: ({ signal }) => apiGet<SchemaResponse>('/api/v1/schema', {}, signal),
    staleTime: 300_000,
  });
  const run = useMutation({
    mutationFn: (sql: string) => apiPost<SqlResponse & { text?: string }>('/api/v1/sql', { sql }),
  });
  const [ranOnLoad, setRanOnLoad] = useState(false);
  if (fromUrl && !ranOnLoad) {
    setRanOnLoad(true);
    run.mutate(fromUrl);
  }
  const execute = () => {
    const sql = text.trim();
    if (!sql) return;
    setHistory(rememberSql(sql));
    set({ q: sql });
    run.mutate(sql);
  };

  return (
    <Stack gap="sm" data-testid="sql-page">
      <SqlEditor value={text} onChange={setText} onRun={execute} schema={schema.data} />
      <Group justify="space-between">
        <Group gap="xs">
          <Button onClick={execute} loading={run.isPending} data-testid="sql-run">
            Run
          </Button>
          <Text size="xs" c="dimmed">
            Ctrl+Enter runs · read-only · tables and columns complete as you type
          </Text>
        </Group>
        <Group gap="xs">
          <Menu position="bottom-end" width={480}>
            <Menu.Target>
              <Button variant="default" size="xs" disabled={history.length === 0}>
                History ({history.length})
              </Button>
            </Menu.Target>
            <Menu.Dropdown>
              {history.map((h) => (
                <Menu.Item key={h} onClick={() => setText(h)}>
                  <Text size="xs" className="mono" lineClamp={2}>
                    {h}
                  </Text>
                </Menu.Item>
              ))}
            </Menu.Dropdown>
          </Menu>
          <SegmentedControl
            size="xs"
            data-testid="sql-view"
            value={view}
            onChange={(v) => {
              setView(v === 'chart' ? 'chart' : 'table');
              set({ view: v === 'chart' ? 'chart' : undefined }, { replace: true });
            }}
            data={[
              { label: 'Table', value: 'table' },
              { label: 'Chart', value: 'chart' },
            ]}
          />
        </Group>
      </Group>
      {run.error && <ErrorState error={run.error} title="The query failed" />}
      {run.data && (
        <>
          <Text size="xs" c="dimmed" data-testid="sql-summary">
            {run.data.text !== undefined
              ? `output of the statement's own FORMAT · ${run.data.elapsedMs} ms`
              : `${run.data.rows.length} rows · ${run.data.elapsedMs} ms`}
          </Text>
          {run.data.text !== undefined ? (
            <Code block>{run.data.text}</Code>
          ) : view === 'chart' ? (
            <SqlResultChart rows={run.data.rows} columns={run.data.columns} />
          ) : (
            <SqlResultTable rows={run.data.rows} columns={run.data.columns} />
          )}
        </>
      )}
    </Stack>
  );
}
