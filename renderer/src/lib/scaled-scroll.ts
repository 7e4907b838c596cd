// The traffic table's scrollbar. Chromium caps an element's height near
// 33.5 million px, so a spacer of rows x rowHeight stops working near 1.6
// million 22 px rows. Past MAX_SPACER_PX the spacer keeps that height and the
// scroll position maps linearly onto the rows' virtual height: the thumb's
// top is the first row, its bottom is the last, at any row count.

/** Well under Chromium's limit, so that rounding never reaches it. */
export const MAX_SPACER_PX = 8_000_000;

export interface ScrollGeometry {
  rows: number;
  rowHeight: number;
  /** Height of the visible part of the table body. */
  viewport: number;
}

/** The rows' own height in px (may far exceed what an element can be). */
export function virtualHeight(g: ScrollGeometry): number {
  return g.rows * g.rowHeight;
}

/** Height to give the spacer element inside the scroll container. */
export function spacerHeight(g: ScrollGeometry): number {
  return Math.min(virtualHeight(g), MAX_SPACER_PX);
}

/** How far the rows' top is scrolled (virtual px) for the container's scrollTop. */
export function virtualTop(g: ScrollGeometry, scrollTop: number): number {
  const real = spacerHeight(g) - g.viewport;
  const virtual = virtualHeight(g) - g.viewport;
  if (real <= 0 || virtual <= 0) return 0;
  return Math.min(virtual, Math.max(0, (scrollTop / real) * virtual));
}

/** The container's scrollTop that shows the rows from virtual px @top. */
export function scrollTopFor(g: ScrollGeometry, top: number): number {
  const real = spacerHeight(g) - g.viewport;
  const virtual = virtualHeight(g) - g.viewport;
  if (real <= 0 || virtual <= 0) return 0;
  return (Math.min(virtual, Math.max(0, top)) / virtual) * real;
}

export interface VisibleRows {
  /** First row drawn. */
  first: number;
  /** Rows drawn (the last one may be cut off). */
  count: number;
  /** Where the first row's top sits, relative to the viewport (0 or negative). */
  offset: number;
}

/** The rows to draw for a virtual scroll position. */
export function visibleRows(g: ScrollGeometry, top: number): VisibleRows {
  if (g.rows === 0) return { first: 0, count: 0, offset: 0 };
  const first = Math.min(g.rows - 1, Math.floor(top / g.rowHeight));
  const offset = first * g.rowHeight - top;
  const count = Math.min(g.rows - first, Math.ceil((g.viewport - offset) / g.rowHeight));
  return { first, count, offset };
}

/** The virtual top that brings @row fully into view, or @top when it already is. */
export function topToShow(g: ScrollGeometry, top: number, row: number): number {
  const rowTop = row * g.rowHeight;
  if (rowTop < top) return rowTop;
  if (rowTop + g.rowHeight > top + g.viewport) return rowTop + g.rowHeight - g.viewport;
  return top;
}

/** The virtual top of the end of the table (the last row at the bottom). */
export function bottomTop(g: ScrollGeometry): number {
  return Math.max(0, virtualHeight(g) - g.viewport);
}
