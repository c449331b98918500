import { useEffect, useRef } from 'react';
import { Badge, Box, Text } from '@mantine/core';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { Row, Signal } from '../../api/api-types.ts';
import { displayText, formatDurationNs, formatTimestamp } from '../../lib/format.ts';
import { colourFor } from '../../lib/palette.ts';
import { CLIP, gridRowStyle } from '../../components/grid-rows.ts';
import { rowKey, rowValue } from '../../lib/row-values.ts';

interface Props {
  readonly rows: readonly Row[];
  readonly columns: readonly string[];
  readonly signal: Signal;
  readonly hasMore: boolean;
  readonly loadingMore: boolean;
  readonly onLoadMore: () => void;
  readonly onOpen: (row: Row) => void;
  readonly selected: Row | undefined;
}

const ROW_HEIGHT = 28;

/** Column widths by what they hold; the last column takes the rest. */
function widthOf(column: string): string {
  if (column === 'Timestamp') return '110px';
  if (column === 'Duration') return '90px';
  if (column === 'StatusCode' || column === 'SeverityText' || column === 'SpanKind') return '80px';
  if (column === 'ServiceName') return '130px';
  if (column === 'TraceId') return '270px';
  if (column === 'Body' || column === 'SpanName') return 'minmax(200px, 3fr)';
  return 'minmax(120px, 1fr)';
}

/**
 * Results newest first, virtualised (only the visible rows are in the page), loading the
 * next page as the user scrolls near the end.
 */
export function ResultsTable({
  rows,
  columns,
  signal,
  hasMore,
  loadingMore,
  onLoadMore,
  onOpen,
  selected,
}: Props) {
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 20,
  });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items.at(-1)?.index ?? 0;
  useEffect(() => {
    if (hasMore && !loadingMore && lastIndex >= rows.length - 30) onLoadMore();
  }, [lastIndex, rows.length, hasMore, loadingMore, onLoadMore]);

  const template = columns.map(widthOf).join(' ');
  return (
    <Box
      data-testid="results-table"
      style={{ border: '1px solid var(--mantine-color-default-border)', borderRadius: 4 }}
    >
      <div
        style={{
          display: 'grid',
          gridTemplateColumns: template,
          gap: 8,
          padding: '4px 8px',
          fontWeight: 600,
          fontSize: 12,
        }}
        className="mono"
      >
        {columns.map((c) => (
          <div key={c} style={CLIP}>
            {c}
          </div>
        ))}
      </div>
      <div ref={scroller} style={{ height: 'calc(100vh - 400px)', minHeight: 240, overflowY: 'auto' }}>
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {items.map((item) => {
            const row = rows[item.index]!;
            return (
              <div
                key={rowKey(row, item.index)}
                data-testid="result-row"
                className="clickable mono"
                onClick={() => onOpen(row)}
                style={{
                  ...gridRowStyle(item.start, template, ROW_HEIGHT),
                  background: row === selected ? 'var(--mantine-color-blue-light)' : undefined,
                }}
              >
                {columns.map((c) => (
                  <Cell key={c} column={c} value={rowValue(row, c, signal)} />
                ))}
              </div>
            );
          })}
        </div>
        {rows.length > 0 && (
          <Text size="xs" c="dimmed" ta="center" py={6}>
            {loadingMore ? 'Loading more…' : hasMore ? ' ' : `${rows.length} results, the end`}
          </Text>
        )}
      </div>
    </Box>
  );
}

function Cell({ column, value }: { column: string; value: unknown }) {
  if (column === 'Timestamp') return <div style={CLIP}>{formatTimestamp(value)}</div>;
  if (column === 'Duration') return <div style={CLIP}>{formatDurationNs(value)}</div>;
  if (column === 'ServiceName') {
    const name = displayText(value);
    return (
      <div style={CLIP}>
        <span
          style={{
            display: 'inline-block',
            width: 8,
            height: 8,
            borderRadius: 4,
            marginRight: 6,
            background: colourFor(name),
          }}
        />
        {name}
      </div>
    );
  }
  if (column === 'StatusCode' || column === 'SeverityText') {
    const v = displayText(value);
    const bad = /^(error|fatal|critical)/i.test(v);
    const warn = /^warn/i.test(v);
    return (
      <div style={CLIP}>
        {v && (
          <Badge size="xs" variant="light" color={bad ? 'red' : warn ? 'yellow' : 'gray'}>
            {v}
          </Badge>
        )}
      </div>
    );
  }
  const text = displayText(value);
  return (
    <div style={CLIP} title={text.length > 60 ? text.slice(0, 2000) : undefined}>
      {text}
    </div>
  );
}
