import { useCallback, useDeferredValue, useEffect, useMemo, useRef, useState } from 'react';
import { Alert, Text } from '@mantine/core';
import { searchHref, searchRangeOf } from '../../lib/trace-links.ts';
import { createTraceSearch } from '../../lib/trace-search.ts';
import type { TimeWindow } from '../../lib/trace-time-window.ts';
import { collapsibleSpans, revealSpan, visibleRows } from '../../lib/trace-tree.ts';
import { useUrlState } from '../../lib/use-url-state.ts';
import { SpanPanel } from './span-panel.tsx';
import { TraceHeader } from './trace-header.tsx';
import { TraceLogs } from './trace-logs.tsx';
import { TraceMinimap } from './trace-minimap.tsx';
import { TraceToolbar } from './trace-toolbar.tsx';
import classes from './trace-view.module.css';
import type { TraceModel } from './use-trace.ts';
import { Waterfall, type FocusRequest } from './waterfall.tsx';

const NO_COLLAPSED: ReadonlySet<number> = new Set();

/**
 * A loaded trace. The selected span lives in the URL (`?span=`), so a link opens it; the
 * collapsed spans, the zoom window and the search are this view's own state.
 */
export function TraceView({ traceId, model }: { traceId: string; model: TraceModel }) {
  const { tree, critical, logs, notice } = model;
  const { get, set } = useUrlState();
  const selectedId = get('span');
  const selected = selectedId === undefined ? undefined : tree.byId.get(selectedId);

  const [collapsed, setCollapsed] = useState<ReadonlySet<number>>(NO_COLLAPSED);
  const rows = useMemo(() => visibleRows(tree, collapsed), [tree, collapsed]);
  const whole = useMemo(() => ({ startNs: 0, endNs: tree.durationNs }), [tree]);
  const [timeWindow, setTimeWindow] = useState<TimeWindow>(whole);
  const [showCritical, setShowCritical] = useState(true);
  const [focus, setFocus] = useState<FocusRequest | undefined>();

  /** Expands the span's ancestors and scrolls its row into view. */
  const reveal = useCallback(
    (span: number) => {
      setCollapsed((c) => revealSpan(tree, c, span));
      setFocus((f) => ({ span, seq: (f?.seq ?? 0) + 1 }));
    },
    [tree],
  );
  const toggle = useCallback((span: number) => {
    setCollapsed((c) => {
      const next = new Set(c);
      if (!next.delete(span)) next.add(span);
      return next;
    });
  }, []);

  // A span chosen in the waterfall is already in view; one chosen anywhere else (the URL,
  // a log, a link, the parent) is revealed and scrolled to.
  const pickedInWaterfall = useRef<number | undefined>(undefined);
  const selectFromWaterfall = useCallback(
    (span: number) => {
      pickedInWaterfall.current = span;
      set({ span: tree.spans[span]?.spanId }, { replace: true });
    },
    [set, tree],
  );
  const select = useCallback(
    (span: number) => set({ span: tree.spans[span]?.spanId }, { replace: true }),
    [set, tree],
  );
  const close = useCallback(() => set({ span: undefined }, { replace: true }), [set]);
  useEffect(() => {
    if (selected !== undefined && selected !== pickedInWaterfall.current) reveal(selected);
    pickedInWaterfall.current = undefined;
  }, [selected, reveal]);

  const [query, setQuery] = useState('');
  const deferredQuery = useDeferredValue(query);
  const search = useMemo(() => createTraceSearch(tree), [tree]);
  const matches = useMemo(() => search(deferredQuery), [search, deferredQuery]);
  const matchSet = useMemo(() => new Set(matches), [matches]);
  const [cursor, setCursor] = useState(0);
  // Like a browser's find: typing jumps to the first match.
  useEffect(() => {
    setCursor(0);
    if (matches[0] !== undefined) reveal(matches[0]);
  }, [matches, reveal]);
  const step = (delta: 1 | -1) => {
    if (matches.length === 0) return;
    const next = (cursor + delta + matches.length) % matches.length;
    setCursor(next);
    reveal(matches[next]!);
  };

  const searchRange = useMemo(() => searchRangeOf(tree.start, tree.durationNs), [tree]);
  const onSelectLog = useCallback(
    (spanId: string) => {
      const span = tree.byId.get(spanId);
      if (span !== undefined) select(span);
    },
    [tree, select],
  );

  return (
    <div className={classes.page}>
      <div className={classes.main}>
        <TraceHeader traceId={traceId} tree={tree} />
        {notice && (
          <Alert color="yellow" p="xs" data-testid="trace-notice">
            <Text size="sm">{notice}</Text>
          </Alert>
        )}
        <TraceToolbar
          query={query}
          onQuery={setQuery}
          matchCount={matches.length}
          matchCursor={cursor}
          onStep={step}
          showCritical={showCritical}
          onShowCritical={setShowCritical}
          onCollapseAll={() => setCollapsed(collapsibleSpans(tree))}
          onExpandAll={() => setCollapsed(NO_COLLAPSED)}
          timeWindow={timeWindow}
          durationNs={tree.durationNs}
          onResetZoom={() => setTimeWindow(whole)}
        />
        <TraceMinimap tree={tree} timeWindow={timeWindow} onTimeWindow={setTimeWindow} />
        <Waterfall
          tree={tree}
          rows={rows}
          collapsed={collapsed}
          timeWindow={timeWindow}
          critical={showCritical ? critical : undefined}
          matches={matchSet}
          currentMatch={matches[cursor]}
          selected={selected}
          focus={focus}
          onToggle={toggle}
          onSelect={selectFromWaterfall}
          onClose={close}
        />
        <TraceLogs
          logs={logs}
          selectedSpanId={selectedId}
          onSelectSpan={onSelectLog}
          searchHref={searchHref('logs', 'TraceId', traceId, searchRange)}
        />
      </div>
      {selected !== undefined ? (
        <SpanPanel
          traceId={traceId}
          tree={tree}
          span={selected}
          critical={showCritical ? critical : undefined}
          logs={logs}
          searchRange={searchRange}
          onSelect={select}
          onClose={close}
        />
      ) : (
        selectedId !== undefined && (
          <aside className={classes.panel} data-testid="span-drawer">
            <Alert color="gray" mt="xs" title="Span not in this trace" withCloseButton onClose={close}>
              <Text size="sm">
                This trace has no span <span className="mono">{selectedId}</span>.
              </Text>
            </Alert>
          </aside>
        )
      )}
    </div>
  );
}
