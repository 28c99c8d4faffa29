/**
 * A small grid layout: rows x columns with spans (matplotlib's subplot2grid)
 * and margins chosen so that no decoration overlaps another or leaves the
 * figure (what tight_layout does). As a gridspec, every column gap is the same
 * and so is every row gap, which keeps panels aligned.
 */
import { axesExtent, type Extent } from './place-texts.js';
import type { AxesSpec, Rect } from './spec.js';
import { STYLE } from './style.js';

export interface GridCell {
  row: number;
  col: number;
  rowSpan?: number;
  colSpan?: number;
  /** Height over width of the plotting area (an image's aspect); the box shrinks to it, centred. */
  aspect?: number;
  /** Builds the cell's axes for a box; the first is the cell's own, any others are insets inside it. */
  build(box: Rect): AxesSpec[];
}

export interface GridSpec {
  width: number;
  height: number;
  rows: number;
  cols: number;
  /** Relative row heights (gridspec height_ratios); equal by default. */
  rowRatios?: number[];
  colRatios?: number[];
  /** Room kept free below the grid (a caption or legend), in figure units. */
  reserveBottom?: number;
  /** Space between decorations and the figure edge or each other; tight_layout's pad. */
  pad?: number;
}

const ZERO: Extent = { left: 0, right: 0, top: 0, bottom: 0 };

/** Lays the cells out and returns every axes, in cell order (insets right after their cell's axes). */
export function layoutGrid(grid: GridSpec, cells: GridCell[]): AxesSpec[] {
  const pad = grid.pad ?? STYLE.layoutPad;
  let extents: Extent[] = cells.map(() => ZERO);
  let axes: AxesSpec[][] = [];
  // Tick counts depend on the box and the box on the tick labels: a few rounds settle it.
  for (let round = 0; round < 3; round++) {
    const boxes = cellBoxes(grid, cells, extents, pad);
    axes = cells.map((cell, i) => cell.build(boxes[i]!.inner));
    extents = axes.map((a, i) => slackAdjusted(axesExtent(a[0]!), boxes[i]!));
  }
  return axes.flat();
}

interface CellBox {
  outer: Rect;
  inner: Rect;
}

function cellBoxes(grid: GridSpec, cells: GridCell[], ext: Extent[], pad: number): CellBox[] {
  const left = maxExtent(cells, ext, 'left', 'col', 0) + pad;
  const right = maxExtent(cells, ext, 'right', 'lastCol', grid.cols - 1) + pad;
  const top = maxExtent(cells, ext, 'top', 'row', 0) + pad;
  const bottom = maxExtent(cells, ext, 'bottom', 'lastRow', grid.rows - 1) + pad + (grid.reserveBottom ?? 0);
  let wGap = 0;
  for (let k = 0; k < grid.cols - 1; k++) {
    wGap = Math.max(wGap, maxExtent(cells, ext, 'right', 'lastCol', k) + maxExtent(cells, ext, 'left', 'col', k + 1) + pad);
  }
  let hGap = 0;
  for (let k = 0; k < grid.rows - 1; k++) {
    hGap = Math.max(hGap, maxExtent(cells, ext, 'bottom', 'lastRow', k) + maxExtent(cells, ext, 'top', 'row', k + 1) + pad);
  }
  const colW = tracks(grid.width - left - right, grid.cols, wGap, grid.colRatios);
  const rowH = tracks(grid.height - top - bottom, grid.rows, hGap, grid.rowRatios);
  return cells.map((c) => {
    const r1 = lastRow(c), c1 = lastCol(c);
    const x = left + sum(colW.slice(0, c.col)) + c.col * wGap;
    const y = top + sum(rowH.slice(0, c.row)) + c.row * hGap;
    const outer = { x, y, w: sum(colW.slice(c.col, c1 + 1)) + (c1 - c.col) * wGap, h: sum(rowH.slice(c.row, r1 + 1)) + (r1 - c.row) * hGap };
    return { outer, inner: c.aspect ? fitAspect(outer, c.aspect) : outer };
  });
}

const lastRow = (c: GridCell) => c.row + (c.rowSpan ?? 1) - 1;
const lastCol = (c: GridCell) => c.col + (c.colSpan ?? 1) - 1;

/**
 * The largest `side` extent of the cells whose `edge` (first or last row or
 * column) is `k`, 0 for none. Plain loops, no closure made per call: the
 * layout runs three rounds a figure.
 */
function maxExtent(cells: GridCell[], ext: Extent[], side: keyof Extent, edge: 'row' | 'col' | 'lastRow' | 'lastCol', k: number): number {
  let max = 0;
  for (let i = 0; i < cells.length; i++) {
    const c = cells[i]!;
    const at = edge === 'row' ? c.row : edge === 'col' ? c.col : edge === 'lastRow' ? lastRow(c) : lastCol(c);
    if (at === k) max = Math.max(max, ext[i]![side]);
  }
  return max;
}

/** Track sizes along one direction: what is left after the gaps, shared by the ratios. */
function tracks(total: number, n: number, gap: number, ratios?: number[]): number[] {
  const r = ratios ?? Array.from({ length: n }, () => 1);
  const free = Math.max(1, total - (n - 1) * gap);
  const rsum = sum(r);
  return r.map((v) => (free * v) / rsum);
}

/** The largest box of the given aspect inside `box`, centred (matplotlib's anchor 'C'). */
export function fitAspect(box: Rect, aspect: number): Rect {
  const w = Math.min(box.w, box.h / aspect);
  const h = w * aspect;
  return { x: box.x + (box.w - w) / 2, y: box.y + (box.h - h) / 2, w, h };
}

/** An axes shrunk to its aspect has slack in its cell: its decorations need only what the slack does not cover. */
function slackAdjusted(e: Extent, b: CellBox): Extent {
  return {
    left: Math.max(0, e.left - (b.inner.x - b.outer.x)),
    right: Math.max(0, e.right - (b.outer.x + b.outer.w - b.inner.x - b.inner.w)),
    top: Math.max(0, e.top - (b.inner.y - b.outer.y)),
    bottom: Math.max(0, e.bottom - (b.outer.y + b.outer.h - b.inner.y - b.inner.h)),
  };
}

function sum(v: number[]): number {
  return v.reduce((a, b) => a + b, 0);
}
