/**
 * Pan and zoom of the service map: the drawing is shown at `scale` and shifted by (x, y)
 * screen pixels, i.e. screen = layout * scale + (x, y).
 */
export interface ViewTransform {
  readonly x: number;
  readonly y: number;
  readonly scale: number;
}

export interface Size {
  readonly width: number;
  readonly height: number;
}

export const MIN_SCALE = 0.2;
export const MAX_SCALE = 4;

export const IDENTITY: ViewTransform = { x: 0, y: 0, scale: 1 };

export function clampScale(scale: number): number {
  return Math.min(MAX_SCALE, Math.max(MIN_SCALE, scale));
}

/**
 * The transform that shows all of `content` centred in `viewport` with `padding` around it;
 * small maps are not blown up past `maxScale` (a map of two boxes should not fill a screen).
 */
export function fitTransform(content: Size, viewport: Size, padding = 24, maxScale = 1.25): ViewTransform {
  if (content.width <= 0 || content.height <= 0 || viewport.width <= 0 || viewport.height <= 0) {
    return IDENTITY;
  }
  const scale = clampScale(
    Math.min(
      maxScale,
      (viewport.width - 2 * padding) / content.width,
      (viewport.height - 2 * padding) / content.height,
    ),
  );
  return {
    scale,
    x: (viewport.width - content.width * scale) / 2,
    y: (viewport.height - content.height * scale) / 2,
  };
}

/** Zooms by `factor` about a screen point, which stays over the same spot of the drawing. */
export function zoomAt(view: ViewTransform, factor: number, at: { x: number; y: number }): ViewTransform {
  const scale = clampScale(view.scale * factor);
  const applied = scale / view.scale;
  return { scale, x: at.x - (at.x - view.x) * applied, y: at.y - (at.y - view.y) * applied };
}

export function panBy(view: ViewTransform, dx: number, dy: number): ViewTransform {
  return { ...view, x: view.x + dx, y: view.y + dy };
}

/** The zoom factor of one wheel event: smooth for trackpads, about 10% per mouse notch. */
export function wheelFactor(deltaY: number, deltaMode: number): number {
  const pixels = deltaMode === 1 ? deltaY * 16 : deltaMode === 2 ? deltaY * 400 : deltaY;
  return Math.exp(-Math.max(-100, Math.min(100, pixels)) / 1000);
}

/** Below this scale the map's 13px labels are too small to read. */
export const READABLE_SCALE = 0.8;

/**
 * The automatic view: everything fitted when that stays readable; otherwise the readable
 * scale, centred on `focus` (a layout point: the selection) or on the middle of the map,
 * without scrolling past the map's edges. The Fit button uses fitTransform (all of it,
 * however small).
 */
export function readableTransform(
  content: Size,
  viewport: Size,
  focus?: { x: number; y: number },
  padding = 24,
): ViewTransform {
  const fitted = fitTransform(content, viewport, padding);
  if (fitted.scale >= READABLE_SCALE || fitted === IDENTITY) return fitted;
  const scale = READABLE_SCALE;
  const centre = focus ?? { x: content.width / 2, y: content.height / 2 };
  const axis = (view: number, size: number, at: number) => {
    const drawn = size * scale;
    if (drawn + 2 * padding <= view) return (view - drawn) / 2;
    const wanted = view / 2 - at * scale;
    return Math.min(padding, Math.max(view - drawn - padding, wanted));
  };
  return {
    scale,
    x: axis(viewport.width, content.width, centre.x),
    y: axis(viewport.height, content.height, centre.y),
  };
}
