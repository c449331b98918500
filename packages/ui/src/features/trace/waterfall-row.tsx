import { memo, type CSSProperties } from 'react';
import type { CriticalSegment } from '../../lib/critical-path.ts';
import { formatDurationNs } from '../../lib/format.ts';
import { colourFor, ERROR_COLOUR } from '../../lib/palette.ts';
import { placeInWindow, type TimeWindow } from '../../lib/trace-time-window.ts';
import type { TraceSpan } from '../../lib/trace-tree.ts';
import classes from './trace-view.module.css';

export const ROW_HEIGHT = 26;
const INDENT_PX = 12;
// Deeper spans stop indenting, so that names stay readable in very deep traces.
const MAX_INDENT_DEPTH = 24;

interface Props {
  readonly span: TraceSpan;
  readonly top: number;
  readonly timeWindow: TimeWindow;
  readonly collapsed: boolean;
  readonly selected: boolean;
  readonly match: boolean;
  readonly currentMatch: boolean;
  /** The span's critical-path segments, when the critical path is shown. */
  readonly critical: readonly CriticalSegment[] | undefined;
  readonly onToggle: (span: number) => void;
  readonly onSelect: (span: number) => void;
}

/**
 * One waterfall row: plain elements and inline geometry only (hundreds are mounted and
 * re-laid while scrolling), re-rendered only when its own props change.
 */
export const WaterfallRow = memo(function WaterfallRow({
  span,
  top,
  timeWindow,
  collapsed,
  selected,
  match,
  currentMatch,
  critical,
  onToggle,
  onSelect,
}: Props) {
  const colour = colourFor(span.service);
  const bar = placeInWindow(span.startNs, span.endNs, timeWindow);
  const duration = formatDurationNs(span.durationNs);
  const hasChildren = span.children.length > 0;
  return (
    <div
      className={classes.row}
      style={{ top, height: ROW_HEIGHT }}
      data-testid="waterfall-row"
      data-span-id={span.spanId}
      data-error={span.error || undefined}
      data-selected={selected || undefined}
      data-match={match || undefined}
      data-current-match={currentMatch || undefined}
      data-critical={critical && critical.length > 0 ? true : undefined}
      title={`${span.name}\n${span.service} · ${duration}${span.error ? ' · error' : ''}`}
      onClick={() => onSelect(span.index)}
    >
      <div
        className={classes.nameCell}
        style={{ paddingLeft: 6 + Math.min(span.depth, MAX_INDENT_DEPTH) * INDENT_PX }}
      >
        {hasChildren ? (
          <button
            type="button"
            className={classes.toggle}
            data-testid="row-toggle"
            aria-label={collapsed ? 'Expand' : 'Collapse'}
            aria-expanded={!collapsed}
            onClick={(e) => {
              e.stopPropagation();
              onToggle(span.index);
            }}
          >
            {collapsed ? '▶' : '▼'}
          </button>
        ) : (
          <span className={classes.toggleSpace} />
        )}
        <span className={classes.chip} style={{ background: colour }} />
        {span.error && (
          <span className={classes.errorMark} aria-label="error">
            !
          </span>
        )}
        <span className={classes.service}>{span.service}</span>
        <span className={classes.spanName}>{span.name}</span>
        {collapsed && <span className={classes.hiddenCount}>+{span.subtreeSize - 1}</span>}
        {span.orphan && (
          <span className={classes.orphanMark} title="Its parent span is not in this trace">
            parent missing
          </span>
        )}
      </div>
      <div className={classes.timeline}>
        {bar && (
          <div
            className={classes.bar}
            style={{
              left: `${bar.left * 100}%`,
              width: `${bar.width * 100}%`,
              background: span.error ? ERROR_COLOUR : colour,
            }}
          />
        )}
        {critical?.map((segment) => {
          const place = placeInWindow(segment.startNs, segment.endNs, timeWindow);
          return place ? (
            <div
              key={segment.startNs}
              className={classes.critical}
              style={{ left: `${place.left * 100}%`, width: `${place.width * 100}%` }}
            />
          ) : null;
        })}
        {bar ? (
          <span className={classes.barLabel} style={labelPlace(bar)}>
            {duration}
          </span>
        ) : (
          <span
            className={classes.offWindow}
            style={span.startNs > timeWindow.endNs ? { right: 6 } : { left: 6 }}
          >
            {span.startNs > timeWindow.endNs ? `${duration} →` : `← ${duration}`}
          </span>
        )}
      </div>
    </div>
  );
});

/** After the bar when there is room, else before it, else inside it. */
function labelPlace(bar: { left: number; width: number }): CSSProperties {
  const end = bar.left + bar.width;
  if (end <= 0.85) return { left: `calc(${end * 100}% + 6px)` };
  if (bar.left >= 0.15) return { right: `calc(${(1 - bar.left) * 100}% + 6px)` };
  return {
    left: `calc(${bar.left * 100}% + 6px)`,
    color: '#fff',
    fontWeight: 600,
    textShadow: '0 0 3px rgba(0, 0, 0, 0.7)',
  };
}
