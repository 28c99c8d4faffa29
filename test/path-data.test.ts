import test from 'ava';
import { areaPathData, fixed2 } from '../src/figure/path-data.js';

test('fixed2(v) is exactly v.toFixed(2): ties, negatives, -0, tiny, huge and non-finite values', (t) => {
  const values = [0, -0, 0.005, 0.015, 1.005, 1.255, 2.675, -1.005, -0.001, -0.004999, 0.994999, 99.995, 1e-9, -1e-9, 123456.785, 5e9, -5e9, 1e21, NaN, Infinity, -Infinity];
  for (const v of values) t.is(fixed2(v), v.toFixed(2), String(v));
  // a fixed pseudo-random sweep over the figures' range (a linear congruential generator), and the ties k + 0.5 cents in it
  let s = 7;
  const next = () => (s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32;
  let wrong = 0;
  for (let i = 0; i < 200_000; i++) {
    const v = (next() - 0.25) * 5000;
    const tie = (Math.round(v * 100) + 0.5) / 100;
    if (fixed2(v) !== v.toFixed(2)) wrong++;
    if (fixed2(tie) !== tie.toFixed(2)) wrong++;
  }
  t.is(wrong, 0);
});

test('areaPathData closes the curve along y = 0, two decimals a coordinate', (t) => {
  const px = (v: number) => 10 + v * 100;
  const py = (v: number) => 50 - v * 40;
  t.is(areaPathData([0, 0.5, 1], [0, 1, 0.25], px, py), 'M10.00 50.00L10.00 50.00L60.00 10.00L110.00 40.00L110.00 50.00Z');
});
