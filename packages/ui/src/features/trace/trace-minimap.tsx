import { useEffect, useRef, useState, type PointerEvent } from 'react';
import { colourFor, ERROR_COLOUR } from '../../lib/palette.ts';
import { centreWindow, isWholeTrace, windowBetween, type TimeWindow } from '../../lib/trace-time-window.ts';
import type { TraceTree } from '../../lib/trace-tree.ts';
import classes from './trace-view.module.css';
import { useElementWidth } from './use-element-width.ts';

interface Props {
  readonly tree: TraceTree;
  readonly timeWindow: TimeWindow;
  readonly onTimeWindow: (timeWindow: TimeWindow) => void;
}

const HEIGHT = 50;
const DENSE_COLOUR = '#868e96';
// A drag shorter than this is a click: it moves the window instead of choosing one.
const CLICK_PX = 4;

/**
 * Every span of the trace over its whole duration, one thin line per span in tree order,
 * with the waterfall's time window outlined. Drag across it to zoom the waterfall to that
 * time; click to move the zoomed window there.
 */
export function TraceMinimap({ tree, timeWindow, onTimeWindow }: Props) {
  const boxRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const width = useElementWidth(boxRef);
  const [drag, setDrag] = useState<{ from: number; to: number } | undefined>();

  useEffect(() => {
    const canvas = canvasRef.current;
    if (canvas && width > 0) drawSpans(canvas, tree, width, HEIGHT);
  }, [tree, width]);

  const fractionAt = (e: PointerEvent<HTMLDivElement>) => {
    const rect = e.currentTarget.getBoundingClientRect();
    return Math.min(1, Math.max(0, (e.clientX - rect.left) / Math.max(1, rect.width)));
  };
  const duration = tree.durationNs;
  const onPointerDown = (e: PointerEvent<HTMLDivElement>) => {
    if (e.button !== 0 || duration <= 0) return;
    e.currentTarget.setPointerCapture(e.pointerId);
    const at = fractionAt(e);
    setDrag({ from: at, to: at });
  };
  const onPointerMove = (e: PointerEvent<HTMLDivElement>) => {
    if (drag) setDrag({ from: drag.from, to: fractionAt(e) });
  };
  const onPointerUp = (e: PointerEvent<HTMLDivElement>) => {
    if (!drag) return;
    const to = fractionAt(e);
    setDrag(undefined);
    if (Math.abs(to - drag.from) * width < CLICK_PX) {
      if (!isWholeTrace(timeWindow, duration)) onTimeWindow(centreWindow(timeWindow, to, duration));
    } else {
      onTimeWindow(windowBetween(drag.from, to, duration, Math.min(duration, 1000)));
    }
  };

  const left = duration > 0 ? timeWindow.startNs / duration : 0;
  const right = duration > 0 ? timeWindow.endNs / duration : 1;
  const zoomed = !isWholeTrace(timeWindow, duration);
  return (
    <div
      ref={boxRef}
      className={classes.minimap}
      data-testid="minimap"
      title="Drag to zoom into a time range; click to move the zoomed range"
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={onPointerUp}
      onPointerCancel={() => setDrag(undefined)}
    >
      <canvas ref={canvasRef} />
      {zoomed && (
        <>
          <div className={classes.shade} style={{ left: 0, width: `${left * 100}%` }} />
          <div className={classes.shade} style={{ left: `${right * 100}%`, right: 0 }} />
          <div
            className={classes.windowBox}
            data-testid="minimap-window"
            style={{ left: `${left * 100}%`, width: `${(right - left) * 100}%` }}
          />
        </>
      )}
      {drag && (
        <div
          className={classes.dragBox}
          style={{
            left: `${Math.min(drag.from, drag.to) * 100}%`,
            width: `${Math.abs(drag.to - drag.from) * 100}%`,
          }}
        />
      )}
    </div>
  );
}

/** One pass per colour (errors last, on top), so 100k spans cost 100k fillRects and few style changes. */
function drawSpans(canvas: HTMLCanvasElement, tree: TraceTree, width: number, height: number): void {
  const ratio = globalThis.devicePixelRatio || 1;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);
  const n = tree.spans.length;
  const duration = tree.durationNs;
  if (n === 0 || duration <= 0) return;
  const pad = 3;
  const rowHeight = (height - 2 * pad) / n;
  const lineHeight = Math.max(1, Math.min(4, rowHeight * 0.7));
  // Too dense for service colours to mean anything: the shape in grey, errors in red. Each
  // span is faint then, so that density shows.
  const dense = rowHeight < 1;
  const alpha = dense ? Math.max(0.05, rowHeight) : 1;
  const byColour = new Map<string, number[]>();
  for (const span of tree.spans) {
    const colour = span.error ? ERROR_COLOUR : dense ? DENSE_COLOUR : colourFor(span.service);
    const list = byColour.get(colour);
    if (list) list.push(span.index);
    else byColour.set(colour, [span.index]);
  }
  const colours = [...byColour.keys()].sort(
    (a, b) => Number(a === ERROR_COLOUR) - Number(b === ERROR_COLOUR),
  );
  for (const colour of colours) {
    ctx.fillStyle = colour;
    // Errors stay solid: they are what the reader looks for.
    ctx.globalAlpha = colour === ERROR_COLOUR ? 1 : alpha;
    for (const i of byColour.get(colour)!) {
      const span = tree.spans[i]!;
      const x = (span.startNs / duration) * width;
      const w = Math.max(1, (span.durationNs / duration) * width);
      ctx.fillRect(x, pad + i * rowHeight, w, lineHeight);
    }
  }
}
