/**
 * Axis ticks as the write-up's matplotlib draws them: AutoLocator's
 * positions (MaxNLocator, steps 1, 2, 2.5, 5, 10, nbins 'auto') and
 * ScalarFormatter's labels. The expected labels were read from matplotlib
 * 3.6.3 itself: an axes of that length (figure units = pixels at 100 dpi)
 * with those limits, drawn, its visible major tick labels.
 */
import test from 'ava';
import { axisTicks, tickSpace } from '../src/figure/axis-ticks.js';
import { maxNTicks } from '../src/figure/max-n-locator.js';
import { scalarLabels } from '../src/figure/scalar-format.js';

/** [axis, limits, length in figure units, matplotlib's labels] */
const MATPLOTLIB: Array<['x' | 'y', [number, number], number, string[]]> = [
  ['x', [-3.5, 3.5], 143, ['−2.5', '0.0', '2.5']],
  ['x', [-3.5, 3.5], 250, ['−2', '0', '2']],
  ['x', [-3.5, 3.5], 326, ['−3', '−2', '−1', '0', '1', '2', '3']],
  ['x', [-3.5, 3.5], 80, ['−2.5', '0.0', '2.5']],
  ['x', [-0.05, 1.05], 363, ['0.0', '0.2', '0.4', '0.6', '0.8', '1.0']],
  ['x', [-0.05, 1.05], 120, ['0', '1']],
  ['x', [-0.5, 255.5], 290, ['0', '50', '100', '150', '200', '250']],
  ['x', [-0.5, 7.5], 290, ['0', '2', '4', '6']],
  ['x', [-0.5, 1023.5], 290, ['0', '200', '400', '600', '800', '1000']],
  ['x', [-12.6, 12.6], 143, ['−10', '0', '10']],
  ['x', [-0.0428, 0.8226], 500, ['0.0', '0.1', '0.2', '0.3', '0.4', '0.5', '0.6', '0.7', '0.8']],
  ['y', [0, 0.668], 119, ['0.0', '0.2', '0.4', '0.6']],
  ['y', [0, 2.696], 119, ['0', '1', '2']],
  ['y', [0, 5.378], 119, ['0', '2', '4']],
  ['y', [0, 1.05], 119, ['0.0', '0.5', '1.0']],
  ['y', [0, 9.756], 296, ['0', '2', '4', '6', '8']],
  ['y', [0, 43.2], 296, ['0', '5', '10', '15', '20', '25', '30', '35', '40']],
  ['y', [0, 0.00123], 119, ['0.0000', '0.0005', '0.0010']],
  ['y', [0, 3210], 119, ['0', '1000', '2000', '3000']],
  ['y', [255.5, -0.5], 290, ['0', '50', '100', '150', '200', '250']],
  ['y', [7.5, -0.5], 290, ['0', '1', '2', '3', '4', '5', '6', '7']],
  ['y', [0, 1.331], 60, ['0', '1']],
  ['y', [0, 0.41], 30, ['0.00', '0.25']],
  ['y', [0, 27.3], 200, ['0', '5', '10', '15', '20', '25']],
];

for (const [along, domain, length, labels] of MATPLOTLIB) {
  test(`axisTicks(${along}, [${domain.join(', ')}], ${length}) gives matplotlib's ${labels.join(' ')}`, (t) => {
    const ticks = axisTicks(domain, length, along);
    // in the domain's direction: an image's y axis runs downwards
    t.deepEqual(ticks.map((tk) => tk.label), domain[0] <= domain[1] ? labels : [...labels].reverse());
    // each label states its tick's value
    for (const tk of ticks) t.true(Math.abs(Number(tk.label.replace('\u2212', '-')) - tk.value) <= 1e-9 * Math.abs(domain[1] - domain[0]), `${tk.label} at ${tk.value}`);
  });
}

test('maxNTicks(-3.5, 3.5, 3) steps by 2.5 (AutoLocator), one tick beyond each end as MaxNLocator._raw_ticks', (t) => {
  t.deepEqual(maxNTicks(-3.5, 3.5, 3), [-5, -2.5, 0, 2.5, 5]);
  t.deepEqual(maxNTicks(-3.5, 3.5, 3, { steps: [1, 2, 5, 10] }), [-4, -2, 0, 2, 4]);
  // too few ticks inside for the first step: smaller steps are taken
  t.deepEqual(maxNTicks(-3.5, 3.5, 1), [-5, -2.5, 0, 2.5, 5]);
  t.deepEqual(maxNTicks(0, 1, 5), [0, 0.2, 0.4, 0.6000000000000001, 0.8, 1]);
});

test("tickSpace is matplotlib's get_tick_space: length over 3 label sizes (x) or 2 (y), at 10 pt labels", (t) => {
  // 143 units = 103 pt; 103 / 30 = 3.4 and 103 / 20 = 5.1
  t.is(tickSpace(143, 'x'), 3);
  t.is(tickSpace(143, 'y'), 5);
});

test('scalarLabels: one number of decimals for all, a true minus, no -0.0, exponents beyond 1e6 and below 1e-5', (t) => {
  t.deepEqual(scalarLabels([-5, -2.5, 0, 2.5, 5], [-2.5, 0, 2.5]), ['\u22122.5', '0.0', '2.5']);
  t.deepEqual(scalarLabels([0, 1, 2, 3], [0, 1, 2]), ['0', '1', '2']);
  t.deepEqual(scalarLabels([-5.551115123125783e-17, 0.1], [-5.551115123125783e-17, 0.1]), ['0.0', '0.1']);
  t.deepEqual(scalarLabels([0, 2e6, 4e6], [0, 2e6, 4e6]), ['0', '2e6', '4e6']);
  t.deepEqual(scalarLabels([0, 5e-6, 1e-5, 1.5e-5], [0, 5e-6, 1e-5]), ['0.0', '0.5e\u22125', '1.0e\u22125']);
});
