import test from 'ava';
import { UnseenSpread } from '../src/records/unseen-spread.js';

test('UnseenSpread.svg: an R, G, B legend, and a second cue beside the colour: R solid, G hatched, B dotted, in the bars and the legend alike', (t) => {
  const spread = new UnseenSpread();
  spread.addShares([0.01, 0.2, 0.5, 0.02, 0.3, 0.9]);
  const svg = String(spread.svg('under the batch\'s own statistics'));
  const legend = [...svg.matchAll(/<g class="legend" data-channel="([RGB])"><rect [^>]*fill="([^"]+)"[^>]*\/><text [^>]*>([^<]+)<\/text><\/g>/g)].map((m) => [m[1], m[2], m[3]]);
  t.deepEqual(legend, [['R', '#d62728', 'R solid'], ['G', 'url(#bnviz-spread-G)', 'G hatched'], ['B', 'url(#bnviz-spread-B)', 'B dotted']]);
  // each channel's bars are filled as its legend swatch is
  for (const [c, fill] of legend) {
    const bars = [...svg.matchAll(new RegExp(`<rect [^>]*fill="([^"]+)"[^>]*data-channel="${c}">`, 'g'))].map((m) => m[1]);
    t.true(bars.length > 0 && bars.every((f) => f === fill), `${c}: ${bars.join(', ')}`);
  }
  t.regex(svg, /<pattern id="bnviz-spread-G"[^>]*patternTransform="rotate\(45\)"/);
  t.regex(svg, /<pattern id="bnviz-spread-B"[^>]*><rect [^>]*\/><circle /);
  t.regex(svg, /in each bin the bars are R \(red, solid\), G \(green, hatched\), B \(blue, dotted\), left to right/);
});
