import type { CSSProperties } from 'react';

/** One line of text, cut with an ellipsis: the cells of the result tables. */
export const CLIP: CSSProperties = { overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' };

/**
 * The style of one virtualised row of a result table (search results, SQL results): placed
 * absolutely at `start` px inside the virtualiser's full-height box, laid out as the header's grid.
 */
export function gridRowStyle(start: number, gridTemplateColumns: string, height: number): CSSProperties {
  return {
    position: 'absolute',
    top: 0,
    left: 0,
    right: 0,
    height,
    transform: `translateY(${start}px)`,
    display: 'grid',
    gridTemplateColumns,
    gap: 8,
    alignItems: 'center',
    padding: '0 8px',
    borderTop: '1px solid var(--mantine-color-default-border)',
  };
}
