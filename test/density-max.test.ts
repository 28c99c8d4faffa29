import test from 'ava';
import { sfc32 } from '../src/dataset/shuffle.js';
import { densityMaxWithin } from '../src/figure/density-marks.js';
import type { ValueStats } from '../src/types.js';

/** The definition, point by point: every grid point inside [x0, x1], and the one just outside each end. */
function bruteForce(channels: ValueStats[], x0: number, x1: number): number {
  let max = 0;
  for (const { density: { x, y } } of channels) {
    for (let i = 0; i < x.length; i++) {
      const inside = x[i]! >= x0 && x[i]! <= x1;
      const before = i + 1 < x.length && x[i]! < x0 && x[i + 1]! >= x0;
      const after = i > 0 && x[i]! > x1 && x[i - 1]! <= x1;
      if (inside || before || after) max = Math.max(max, y[i]!);
    }
  }
  return max;
}

const channel = (x: number[], y: number[]) => ({ density: { x, y } }) as unknown as ValueStats;

test('densityMaxWithin: the largest density inside a range and at the grid points next to it, for ascending grids and others', (t) => {
  const next = sfc32(7);
  const rand = () => next() / 2 ** 32;
  let checked = 0;
  for (let round = 0; round < 300; round++) {
    const channels = Array.from({ length: 3 }, (_, c) => {
      const n = Math.floor(rand() * 12);
      const start = rand() * 4 - 2;
      // grids of a KDE ascend; one in ten here does not (a hand-made spec may hold anything)
      const x = Array.from({ length: n }, (_, i) => (round % 10 === 0 && c === 1 ? rand() * 4 - 2 : start + i * (0.05 + rand() * 0.3)));
      return channel(x, x.map(() => rand()));
    });
    for (let k = 0; k < 20; k++) {
      const a = rand() * 6 - 3;
      const b = a + rand() * 2;
      // also ranges whose ends sit exactly on grid points
      const grid = channels.flatMap((s) => s.density.x);
      const [x0, x1] = k % 4 === 0 && grid.length ? [grid[Math.floor(rand() * grid.length)]!, grid[Math.floor(rand() * grid.length)]!].sort((p, q) => p - q) as [number, number] : [a, b];
      t.is(densityMaxWithin(channels, x0, x1), bruteForce(channels, x0, x1), `round ${round}, [${x0}, ${x1}]`);
      checked++;
    }
  }
  t.is(checked, 6000);
  t.is(densityMaxWithin([channel([0, 1, 2], [5, 1, 3])], 1.2, 1.8), 3, 'between two points: both neighbours');
  t.is(densityMaxWithin([channel([0, 1, 2], [5, 1, 3])], 3, 4), 0, 'past the grid');
  t.is(densityMaxWithin([], 0, 1), 0);
});
