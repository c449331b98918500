import { useEffect, useMemo, useRef, useState, type KeyboardEvent, type RefObject } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { CriticalPath } from '../../lib/critical-path.ts';
import { timeTicks } from '../../lib/trace-ticks.ts';
import type { TimeWindow } from '../../lib/trace-time-window.ts';
import type { TraceTree } from '../../lib/trace-tree.ts';
import classes from './trace-view.module.css';
import { useElementWidth } from './use-element-width.ts';
import { ROW_HEIGHT, WaterfallRow } from './waterfall-row.tsx';

/** Asks the waterfall to scroll a span's row into view; a new `seq` asks again. */
export interface FocusRequest {
  readonly span: number;
  readonly seq: number;
}

interface Props {
  readonly tree: TraceTree;
  /** The visible rows' span indices, in order. */
  readonly rows: Int32Array;
  readonly collapsed: ReadonlySet<number>;
  readonly timeWindow: TimeWindow;
  /** Undefined when the critical path is hidden. */
  readonly critical: CriticalPath | undefined;
  readonly matches: ReadonlySet<number>;
  readonly currentMatch: number | undefined;
  readonly selected: number | undefined;
  readonly focus: FocusRequest | undefined;
  readonly onToggle: (span: number) => void;
  readonly onSelect: (span: number) => void;
  readonly onClose: () => void;
}

const TICK_SPACING_PX = 96;

/**
 * The span rows with their bars over the time window, virtualised: only the rows in view
 * (and a few around them) are mounted, so 10k+ spans scroll like 10. Keyboard: up/down
 * move the selection, left/right collapse and expand, Escape closes the span.
 */
export function Waterfall(props: Props) {
  const { tree, rows, collapsed, timeWindow, critical, matches, currentMatch, selected, focus } = props;
  const boxRef = useRef<HTMLDivElement>(null);
  const scrollRef = useRef<HTMLDivElement>(null);
  const rulerRef = useRef<HTMLDivElement>(null);
  const timelineWidth = useElementWidth(rulerRef);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const ticks = useMemo(
    () =>
      timeTicks(
        timeWindow.startNs,
        timeWindow.endNs,
        Math.max(2, Math.floor(timelineWidth / TICK_SPACING_PX)),
      ),
    [timeWindow, timelineWidth],
  );

  // Only a new request scrolls (not every change of rows); it runs after the render that
  // applied the request, whose `rows` already show the span.
  useEffect(() => {
    if (!focus) return;
    const position = rows.indexOf(focus.span);
    if (position >= 0) virtualizer.scrollToIndex(position, { align: 'center' });
  }, [focus]);

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const position = selected === undefined ? -1 : rows.indexOf(selected);
    const span = selected === undefined ? undefined : tree.spans[selected];
    const select = (next: number) => {
      const clamped = Math.max(0, Math.min(rows.length - 1, next));
      props.onSelect(rows[clamped]!);
      virtualizer.scrollToIndex(clamped);
    };
    if (e.key === 'ArrowDown') select(position + 1);
    else if (e.key === 'ArrowUp') select(position < 0 ? 0 : position - 1);
    else if (e.key === 'ArrowRight' && span && span.children.length > 0 && collapsed.has(span.index))
      props.onToggle(span.index);
    else if (e.key === 'ArrowLeft' && span && span.children.length > 0 && !collapsed.has(span.index))
      props.onToggle(span.index);
    else if (e.key === 'ArrowLeft' && span && span.parent >= 0) select(rows.indexOf(span.parent));
    else if (e.key === 'Escape') props.onClose();
    else return;
    e.preventDefault();
  };

  return (
    <div className={classes.waterfall} data-testid="waterfall" ref={boxRef}>
      <div className={classes.ruler}>
        <div className={classes.rulerName}>
          Service and span · {rows.length.toLocaleString()} of {tree.spans.length.toLocaleString()} rows
          <ColumnResizer box={boxRef} />
        </div>
        <div className={classes.rulerTimeline} ref={rulerRef} data-testid="time-ruler">
          {ticks.map((tick) => (
            <span
              key={tick.ns}
              className={classes.tickLabel}
              style={
                tick.fraction > 0.92
                  ? { right: `${(1 - tick.fraction) * 100}%`, paddingRight: 4 }
                  : { left: `${tick.fraction * 100}%` }
              }
            >
              {tick.label}
            </span>
          ))}
        </div>
      </div>
      <div className={classes.grid} aria-hidden>
        <div className={classes.gridInner}>
          {ticks.map((tick) => (
            <div key={tick.ns} className={classes.gridLine} style={{ left: `${tick.fraction * 100}%` }} />
          ))}
        </div>
      </div>
      <div
        className={classes.scroller}
        ref={scrollRef}
        tabIndex={0}
        role="tree"
        aria-label="Spans"
        onKeyDown={onKeyDown}
      >
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {virtualizer.getVirtualItems().map((item) => {
            const span = tree.spans[rows[item.index]!]!;
            return (
              <WaterfallRow
                key={span.index}
                span={span}
                top={item.start}
                timeWindow={timeWindow}
                collapsed={collapsed.has(span.index)}
                selected={selected === span.index}
                match={matches.has(span.index)}
                currentMatch={currentMatch === span.index}
                critical={critical?.bySpan.get(span.index)}
                onToggle={props.onToggle}
                onSelect={props.onSelect}
              />
            );
          })}
        </div>
      </div>
    </div>
  );
}

/**
 * Drags the boundary between names and bars. It sets the column width on the waterfall's
 * style directly: every row follows through CSS, and nothing re-renders while dragging.
 */
function ColumnResizer({ box }: { box: RefObject<HTMLDivElement | null> }) {
  const [active, setActive] = useState(false);
  const resize = (clientX: number) => {
    const element = box.current;
    if (!element) return;
    const rect = element.getBoundingClientRect();
    const width = Math.min(Math.max(clientX - rect.left, 160), rect.width - 160);
    element.style.setProperty('--tv-name-col', `${Math.round(width)}px`);
  };
  return (
    <div
      className={classes.resizer}
      data-active={active || undefined}
      role="separator"
      aria-orientation="vertical"
      aria-label="Resize the names column"
      onPointerDown={(e) => {
        e.currentTarget.setPointerCapture(e.pointerId);
        setActive(true);
      }}
      onPointerMove={(e) => active && resize(e.clientX)}
      onPointerUp={() => setActive(false)}
      onPointerCancel={() => setActive(false)}
      onDoubleClick={() => box.current?.style.removeProperty('--tv-name-col')}
    />
  );
}
