import { useCallback, useEffect, useMemo, useState } from 'react';
import { Button, Group, SegmentedControl, Stack, Switch, Text } from '@mantine/core';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { apiGet } from '../../api/api-client.ts';
import type { FieldsResponse, Row } from '../../api/api-types.ts';
import { EmptyState, ErrorState } from '../../components/state-views.tsx';
import { TimeRangePicker } from '../../components/time-range-picker.tsx';
import { explainQuery } from '../../lib/explain-query.ts';
import { addFilter } from '../../lib/query-completion.ts';
import { DEFAULT_COLUMNS } from '../../lib/row-values.ts';
import { absoluteRange, isRelative } from '../../lib/time-range.ts';
import { useUrlRange, useUrlState } from '../../lib/use-url-state.ts';
import { ColumnPicker } from './column-picker.tsx';
import { QueryBar } from './query-bar.tsx';
import { ResultsTable } from './results-table.tsx';
import { RowDrawer } from './row-drawer.tsx';
import { SavedSearchesMenu } from './saved-searches-menu.tsx';
import { SearchHistogram } from './search-histogram.tsx';
import { searchInputFromUrl, searchQueryOptions } from './search-query.ts';

const LIVE_TAIL_MS = 2_000;

/**
 * /search?signal=traces|logs&q=...&lang=lucene|sql&from=...&to=...&split=...&cols=...&live=1
 * Every piece of state is in the URL; the query runs when submitted (Enter), not per keystroke.
 */
export default function SearchPage() {
  const { get, set, params } = useUrlState();
  const { signal, language, query: submitted } = searchInputFromUrl(params);
  const splitBy = get('split');
  const live = get('live') === '1';
  const columns = useMemo(
    () => get('cols')?.split(',').filter(Boolean) ?? [...DEFAULT_COLUMNS[signal]],
    [get, signal],
  );
  const [refreshKey, setRefreshKey] = useState(0);
  const { range, resolved, setRange } = useUrlRange(refreshKey);
  const [draft, setDraft] = useState(submitted);
  useEffect(() => setDraft(submitted), [submitted]);
  const [selected, setSelected] = useState<Row | undefined>();
  const valid = explainQuery(submitted, signal, language).ok;

  // Live tail: a relative range slides to now every couple of seconds.
  useEffect(() => {
    if (!live) return;
    const timer = setInterval(() => setRefreshKey((k) => k + 1), LIVE_TAIL_MS);
    return () => clearInterval(timer);
  }, [live]);

  const results = useInfiniteQuery({
    ...searchQueryOptions({ signal, query: submitted, language, range: resolved }),
    enabled: valid,
  });
  const rows = useMemo(() => results.data?.pages.flatMap((p) => p.rows) ?? [], [results.data]);
  // The embedded engine runs one query at a time: the results go first, then the histogram and
  // the field list (for completion, stacking and columns), so the rows are never queued behind them.
  const resultsSettled = !results.isLoading;

  const fields = useQuery({
    queryKey: ['fields', signal],
    queryFn: ({ signal: abort }) =>
      apiGet<FieldsResponse>(
        '/api/v1/fields',
        { signal, from: resolved.fromMs, to: resolved.toMs, limit: 500 },
        abort,
      ),
    staleTime: 60_000,
    enabled: resultsSettled,
  });
  const fieldNames = useMemo(() => fields.data?.fields.map((f) => f.name) ?? [], [fields.data]);
  const splitOptions = useMemo(
    () => [
      ...(signal === 'traces'
        ? ['ServiceName', 'StatusCode', 'SpanKind', 'SpanName']
        : ['ServiceName', 'SeverityText']),
      ...fieldNames,
    ],
    [signal, fieldNames],
  );

  const submit = (q: string) => {
    set({ q: q.trim() || undefined });
    setRefreshKey((k) => k + 1);
  };
  const loadMore = useCallback(() => void results.fetchNextPage(), [results]);
  const notice = results.data?.pages[0]?.notice;

  return (
    <Stack gap="sm" data-testid="search-page">
      <Group gap="xs" align="flex-start" wrap="nowrap">
        <SegmentedControl
          data-testid="signal-switch"
          value={signal}
          onChange={(v) => set({ signal: v, cols: undefined, split: undefined })}
          data={[
            { label: 'Traces', value: 'traces' },
            { label: 'Logs', value: 'logs' },
          ]}
        />
        <QueryBar
          value={draft}
          onChange={setDraft}
          onSubmit={submit}
          signal={signal}
          language={language}
          range={resolved}
        />
        <SegmentedControl
          data-testid="language-switch"
          value={language}
          onChange={(v) => set({ lang: v === 'sql' ? 'sql' : undefined })}
          data={[
            { label: 'Search', value: 'lucene' },
            { label: 'SQL', value: 'sql' },
          ]}
        />
        <Button onClick={() => submit(draft)} data-testid="search-button">
          Search
        </Button>
        <TimeRangePicker
          range={range}
          onChange={(r) => set({ from: r.from, to: r.to, live: undefined })}
          onRefresh={() => setRefreshKey((k) => k + 1)}
        />
      </Group>
      <Group justify="space-between">
        <Group gap="md">
          <Switch
            size="xs"
            label="Live tail"
            data-testid="live-tail"
            checked={live}
            disabled={!isRelative(range)}
            onChange={(e) => set({ live: e.currentTarget.checked ? '1' : undefined })}
          />
          {notice && (
            <Text size="xs" c="orange">
              {notice}
            </Text>
          )}
        </Group>
        <Group gap="xs">
          <ColumnPicker
            signal={signal}
            columns={columns}
            options={[...DEFAULT_COLUMNS[signal], 'TraceId', 'SpanId', 'SpanKind', ...fieldNames]}
            onChange={(c) => set({ cols: c?.join(',') })}
          />
          <SavedSearchesMenu
            current={{
              signal,
              query: submitted,
              language,
              from: range.from,
              to: range.to,
              ...(get('cols') ? { columns: get('cols')! } : {}),
            }}
            onOpen={(s) =>
              set({
                signal: s.signal,
                q: s.query || undefined,
                lang: s.language === 'sql' ? 'sql' : undefined,
                from: s.from,
                to: s.to,
                cols: s.columns,
              })
            }
          />
        </Group>
      </Group>
      <SearchHistogram
        signal={signal}
        query={submitted}
        language={language}
        range={resolved}
        splitBy={splitBy}
        splitOptions={splitOptions}
        onSplitBy={(f) => set({ split: f })}
        onZoom={(from, to) => setRange(absoluteRange(from, to))}
        enabled={valid && resultsSettled}
      />
      {results.error ? (
        <ErrorState error={results.error} title="The search failed" />
      ) : results.isSuccess && rows.length === 0 ? (
        <EmptyState
          title={
            submitted
              ? 'Nothing matches this search in this time range'
              : `No ${signal} in this time range yet`
          }
        />
      ) : (
        <ResultsTable
          rows={rows}
          columns={columns}
          signal={signal}
          hasMore={results.hasNextPage}
          loadingMore={results.isFetchingNextPage}
          onLoadMore={loadMore}
          onOpen={setSelected}
          selected={selected}
        />
      )}
      <RowDrawer
        row={selected}
        signal={signal}
        onClose={() => setSelected(undefined)}
        onFilter={(field, value, negate) => {
          const q = addFilter(submitted, field, value, negate);
          setSelected(undefined);
          set({ q });
        }}
      />
    </Stack>
  );
}
