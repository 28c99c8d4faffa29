/**
 * Registers DejaVu Sans (matplotlib's default font, shipped by the
 * dejavu-fonts-ttf package) with Skia once per thread, so a figure looks the
 * same on every machine whatever fonts it has installed.
 */
import { fontFile } from './font-coverage.js';
import { FONT_FAMILY } from './text-width.js';
import { requireCjs } from '../util/require-cjs.js';

const { GlobalFonts } = requireCjs('@napi-rs/canvas') as typeof import('@napi-rs/canvas');

let registered = false;

export function ensureFonts(): void {
  if (registered) return;
  const file = fontFile();
  const ok = GlobalFonts.registerFromPath(file, FONT_FAMILY);
  if (!ok && !GlobalFonts.has(FONT_FAMILY)) throw new Error(`could not load the figure font from ${file}`);
  registered = true;
}
