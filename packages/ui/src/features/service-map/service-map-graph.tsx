import { useCallback, useEffect, useRef, useState, type PointerEvent } from 'react';
import { ActionIcon, Box, Group, Tooltip } from '@mantine/core';
import { useElementSize } from '@mantine/hooks';
import { edgeWidth, type Health } from '../../lib/service-map-health.ts';
import type { MapLayout } from '../../lib/service-map-layout.ts';
import {
  IDENTITY,
  fitTransform,
  panBy,
  readableTransform,
  wheelFactor,
  zoomAt,
  type ViewTransform,
} from '../../lib/service-map-view.ts';
import { MapEdgeView } from './map-edge-view.tsx';
import { MapNodeView } from './map-node-view.tsx';
import './service-map.css';

interface Props {
  readonly layout: MapLayout;
  readonly nodeHealth: ReadonlyMap<string, Health>;
  readonly edgeHealth: ReadonlyMap<string, Health>;
  readonly captions: ReadonlyMap<string, string>;
  readonly selectedNode: string | undefined;
  readonly selectedEdge: string | undefined;
  readonly onSelectNode: (id: string) => void;
  readonly onSelectEdge: (key: string) => void;
  readonly onClear: () => void;
  readonly height: number | string;
}

/** Pointer travel (px) past which a press is a pan rather than a click. */
const DRAG_THRESHOLD = 4;

/**
 * The map as SVG: drag to pan, wheel to zoom about the pointer, buttons to zoom and fit.
 * The view is fitted when the map's shape (its nodes) changes, not on every refresh, so a
 * refresh keeps the user's pan and zoom.
 */
export function ServiceMapGraph(props: Props) {
  const { layout, selectedNode, selectedEdge } = props;
  const { ref: boxRef, width, height } = useElementSize();
  const svgRef = useRef<SVGSVGElement>(null);
  const [view, setView] = useState<ViewTransform>(IDENTITY);
  const drag = useRef<{ x: number; y: number; startX: number; startY: number; moved: boolean } | null>(null);
  const suppressClick = useRef(false);
  const fittedShape = useRef<string | undefined>(undefined);
  // Whether the user panned or zoomed since the last fit; until then, resizes refit.
  const touched = useRef(false);

  const fit = useCallback(() => {
    touched.current = false;
    setView(fitTransform({ width: layout.width, height: layout.height }, { width, height }));
  }, [layout.width, layout.height, width, height]);
  // When the whole map would be too small to read, the automatic view centres on the
  // selection as it is when the view is fitted; selecting alone does not move the map.
  const focus = useRef<{ x: number; y: number } | undefined>(undefined);
  focus.current = focusPoint(layout, selectedNode, selectedEdge);
  const autoFit = useCallback(() => {
    touched.current = false;
    setView(
      readableTransform({ width: layout.width, height: layout.height }, { width, height }, focus.current),
    );
  }, [layout.width, layout.height, width, height]);
  const move = useCallback((change: (v: ViewTransform) => ViewTransform) => {
    touched.current = true;
    setView(change);
  }, []);

  const shape = layout.nodes.map((n) => n.id).join('\n');
  useEffect(() => {
    if (width <= 0 || height <= 0) return;
    if (fittedShape.current === shape && touched.current) return;
    fittedShape.current = shape;
    autoFit();
  }, [shape, width, height, autoFit]);

  // React's wheel listeners are passive; zooming must stop the page from scrolling.
  useEffect(() => {
    const svg = svgRef.current;
    if (!svg) return;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const rect = svg.getBoundingClientRect();
      const at = { x: e.clientX - rect.left, y: e.clientY - rect.top };
      move((v) => zoomAt(v, wheelFactor(e.deltaY, e.deltaMode), at));
    };
    svg.addEventListener('wheel', onWheel, { passive: false });
    return () => svg.removeEventListener('wheel', onWheel);
  }, [move]);

  const onPointerDown = (e: PointerEvent<SVGSVGElement>) => {
    if (e.button !== 0) return;
    drag.current = { x: e.clientX, y: e.clientY, startX: e.clientX, startY: e.clientY, moved: false };
    suppressClick.current = false;
  };
  const onPointerMove = (e: PointerEvent<SVGSVGElement>) => {
    const d = drag.current;
    if (!d) return;
    if (!d.moved && Math.hypot(e.clientX - d.startX, e.clientY - d.startY) > DRAG_THRESHOLD) {
      d.moved = true;
      // Captured only once it is a drag: a capture from the press would send the click to the svg.
      e.currentTarget.setPointerCapture(e.pointerId);
    }
    if (d.moved) {
      const dx = e.clientX - d.x;
      const dy = e.clientY - d.y;
      move((v) => panBy(v, dx, dy));
    }
    d.x = e.clientX;
    d.y = e.clientY;
  };
  const onPointerUp = (e: PointerEvent<SVGSVGElement>) => {
    if (drag.current?.moved) {
      suppressClick.current = true;
      if (e.currentTarget.hasPointerCapture(e.pointerId)) e.currentTarget.releasePointerCapture(e.pointerId);
    }
    drag.current = null;
  };
  const guard =
    <T,>(select: (value: T) => void) =>
    (value: T) => {
      if (!suppressClick.current) select(value);
    };

  // What stays bright while something is selected: the selection and what it touches.
  const bright = new Set<string>();
  if (selectedNode !== undefined) {
    bright.add(selectedNode);
    for (const e of layout.edges) {
      if (e.source === selectedNode || e.target === selectedNode) {
        bright.add(e.key).add(e.source).add(e.target);
      }
    }
  }
  const edgeSelected = layout.edges.find((e) => e.key === selectedEdge);
  if (edgeSelected) bright.add(edgeSelected.key).add(edgeSelected.source).add(edgeSelected.target);
  const focusing = bright.size > 0;
  const maxCalls = Math.max(1, ...layout.edges.map((e) => e.calls));
  const centre = { x: width / 2, y: height / 2 };

  return (
    <Box ref={boxRef} pos="relative" h={props.height} style={{ overflow: 'hidden' }}>
      <svg
        ref={svgRef}
        width="100%"
        height="100%"
        data-testid="service-map"
        role="img"
        aria-label="Service map"
        style={{ display: 'block', cursor: 'grab', touchAction: 'none' }}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={onPointerUp}
        onClick={() => {
          if (suppressClick.current) suppressClick.current = false;
          else props.onClear();
        }}
      >
        <defs>
          <pattern id="sg-map-dots" width={16} height={16} patternUnits="userSpaceOnUse">
            <circle cx={1} cy={1} r={1} fill="var(--mantine-color-default-border)" />
          </pattern>
        </defs>
        <rect width="100%" height="100%" fill="url(#sg-map-dots)" />
        <g transform={`translate(${view.x},${view.y}) scale(${view.scale})`}>
          {layout.edges.map((edge, i) => (
            <MapEdgeView
              key={edge.key}
              edge={edge}
              index={i}
              health={props.edgeHealth.get(edge.key) ?? 'idle'}
              width={edgeWidth(edge.calls, maxCalls)}
              selected={edge.key === selectedEdge}
              dimmed={focusing && !bright.has(edge.key)}
              onSelect={guard(props.onSelectEdge)}
            />
          ))}
          {layout.nodes.map((node) => (
            <MapNodeView
              key={node.id}
              node={node}
              health={props.nodeHealth.get(node.id) ?? 'idle'}
              caption={props.captions.get(node.id) ?? ''}
              selected={node.id === selectedNode}
              dimmed={focusing && !bright.has(node.id)}
              onSelect={guard(props.onSelectNode)}
            />
          ))}
        </g>
      </svg>
      <Group gap={4} pos="absolute" top={8} right={8}>
        <Tooltip label="Zoom in" withArrow>
          <ActionIcon
            variant="default"
            aria-label="Zoom in"
            onClick={() => move((v) => zoomAt(v, 1.25, centre))}
          >
            +
          </ActionIcon>
        </Tooltip>
        <Tooltip label="Zoom out" withArrow>
          <ActionIcon
            variant="default"
            aria-label="Zoom out"
            onClick={() => move((v) => zoomAt(v, 0.8, centre))}
          >
            −
          </ActionIcon>
        </Tooltip>
        <Tooltip label="Fit to screen" withArrow>
          <ActionIcon
            variant="default"
            aria-label="Fit to screen"
            onClick={fit}
            data-testid="map-fit"
            w="auto"
            px={8}
          >
            Fit
          </ActionIcon>
        </Tooltip>
      </Group>
    </Box>
  );
}

/** The layout point the automatic view centres on: the selected node, or the selected edge's label. */
function focusPoint(
  layout: MapLayout,
  node: string | undefined,
  edge: string | undefined,
): { x: number; y: number } | undefined {
  const placed = layout.nodes.find((n) => n.id === node);
  if (placed) return { x: placed.x, y: placed.y };
  return layout.edges.find((e) => e.key === edge)?.label;
}
