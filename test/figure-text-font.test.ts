/**
 * Text the figure font cannot draw: a character DejaVu Sans lacks (CJK,
 * Hangul, a family emoji) is one visible U+FFFD in the PNG and in the SVG,
 * never a box in one and nothing in the other; a caption stays one <text>
 * holding its whole line, so searching the SVG finds it.
 */
import test from 'ava';
import { copyFileSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cmapRanges, drawable, fontFile, fontHas, REPLACEMENT } from '../src/figure/font-coverage.js';
import { renderRgba } from '../src/figure/render-rgba.js';
import { renderSvg } from '../src/figure/render-svg.js';
import type { FigureSpec } from '../src/figure/spec.js';
import { EXAMPLE_FILES, tempDir } from './helpers/paths.js';
import { runCli } from './helpers/run-cli.js';

function spec(line: string): FigureSpec {
  return {
    kind: 'overview', width: 300, height: 60, font: 'DejaVu Sans', background: '#ffffff', axes: [], patches: [],
    texts: [{ type: 'text', x: 10, y: 40, lines: [line], size: 16, color: '#000000', align: 'left', valign: 'baseline' }],
  } as unknown as FigureSpec;
}

test('the font\'s cmap: Latin, Greek, arrows and U+FFFD are drawn; CJK and Hangul are not', (t) => {
  const ranges = cmapRanges(readFileSync(fontFile()));
  t.true(ranges.length > 100);
  for (const ch of 'Aaz09éüΩω→≤−\uFFFD') t.true(fontHas(ch.codePointAt(0)!), ch);
  for (const ch of '猫한語') t.false(fontHas(ch.codePointAt(0)!), ch);
});

test('drawable: each grapheme with a character the font lacks is one U+FFFD, the rest kept', (t) => {
  t.is(drawable('plain-ascii_01.png'), 'plain-ascii_01.png');
  t.is(drawable('été Ωμέγα.png'), 'été Ωμέγα.png');
  t.is(drawable('猫.png'), `${REPLACEMENT}.png`);
  t.is(drawable('한국어.jpg'), `${REPLACEMENT.repeat(3)}.jpg`);
  // a family: five code points joined, one grapheme, one mark
  t.is(drawable('\u{1F468}\u200D\u{1F469}\u200D\u{1F467} x'), `${REPLACEMENT} x`);
});

test('a line the font cannot draw is the same in the PNG as its U+FFFD form, and one <text> with it in the SVG', (t) => {
  const pixels = (line: string) => renderRgba(spec(line), {} as never, { scale: 1 }).data;
  const cat = pixels('a 猫.png');
  t.deepEqual(cat, pixels(`a ${REPLACEMENT}.png`), 'the PNG draws the replacement character');
  t.notDeepEqual(cat, pixels('a .png'), 'something is drawn where the character was');
  const svg = renderSvg(spec('a 猫.png'), {} as never).toString('utf8');
  const texts = svg.match(/<text[^>]*>[^<]*<\/text>/g) ?? [];
  t.is(texts.length, 1, svg);
  t.true(texts[0]!.endsWith(`>a ${REPLACEMENT}.png</text>`), texts[0]);
});

test('bnviz render of files named in Chinese and Korean: each caption one <text> in the SVG, stats.json keeps the names whole', async (t) => {
  const dir = tempDir();
  const names = ['고양이.png', '猫の写真.png', 'coffee ☕.png'];
  t.true(fontHas(0x2615), 'DejaVu Sans draws ☕');
  EXAMPLE_FILES.forEach((f, i) => copyFileSync(f, join(dir, names[i]!)));
  const out = tempDir();
  const r = await runCli(['render', ...names.map((n) => join(dir, n)), '--out', out, '--figures', 'overview', '--formats', 'svg,png']);
  t.is(r.code, 0, r.stderr);
  const svgFile = readdirSync(out, { recursive: true }).map(String).find((f) => f.endsWith('.svg'))!;
  const svg = readFileSync(join(out, svgFile), 'utf8');
  t.true(svg.includes(`/${REPLACEMENT.repeat(3)}.png</text>`), 'the Korean caption, one <text>');
  t.true(svg.includes(`/${REPLACEMENT.repeat(4)}.png</text>`), 'the Chinese and Japanese caption, one <text>');
  // a caption the font draws whole is one <text>, without ligature characters (Skia wrote "coﬀee" in three runs)
  t.true(svg.includes('/coffee ☕.png</text>'), 'the third caption, whole');
  t.false(/[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]/.test(svg.replace(/<title>[\s\S]*?<\/title>/g, '')), 'no character the font lacks is left to another font');
  const statsFile = readdirSync(out, { recursive: true }).map(String).find((f) => f.endsWith('stats.json'))!;
  const stats = readFileSync(join(out, statsFile), 'utf8');
  for (const n of names) t.true(stats.includes(n), n);
});
