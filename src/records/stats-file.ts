/**
 * A drawn group's numbers on disk: `stats.json` (the document `bnviz inspect
 * --json` prints) with its densities moved to a binary sidecar,
 * `densities.f32`. The densities were 95% of the document (18 curves of 200
 * points, x and y, as JSON doubles: about 210 KB a group of three); as
 * float32 they are 29 KB, and stats.json keeps every other number whole in a
 * few KB. Float32 holds a density to 7 significant digits, far finer than a
 * figure draws it (a panel is a few hundred pixels high).
 *
 * In stats.json each `density` is `{"offset": o, "points": n}`: its x values
 * are the n float32 at index o of the sidecar, its y values the n after them
 * (little-endian); `densities` names the file and its layout.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Density, GroupStats, ValueStats } from '../types.js';

export const STATS_FILE = 'stats.json';
export const DENSITIES_FILE = 'densities.f32';

const VARIANTS = ['original', 'normalized', 'minmax'] as const;

/** Where a density is in the sidecar. */
export interface DensityRef {
  offset: number;
  points: number;
}

/** stats.json's text and the sidecar's bytes for a group's numbers. */
export function statsFiles(stats: GroupStats): { json: string; densities: Buffer } {
  let total = 0;
  for (const img of stats.images) for (const ch of img.channels) for (const v of VARIANTS) total += 2 * ch[v].density.x.length;
  const floats = new Float32Array(total);
  let at = 0;
  const ref = (d: Density): DensityRef => {
    const offset = at;
    floats.set(d.x, at);
    floats.set(d.y, at + d.x.length);
    at += 2 * d.x.length;
    return { offset, points: d.x.length };
  };
  const doc = {
    ...stats,
    densities: { file: DENSITIES_FILE, format: 'float32, little-endian', layout: 'each density: its x values (points), then its y values (points), from offset' },
    images: stats.images.map((img) => ({
      ...img,
      channels: img.channels.map((ch) => ({
        ...ch,
        ...Object.fromEntries(VARIANTS.map((v) => [v, { ...ch[v], density: ref(ch[v].density) }])),
      })),
    })),
  };
  const bytes = Buffer.from(floats.buffer, floats.byteOffset, floats.byteLength);
  // the sidecar is little-endian whatever the machine (every machine Node runs on is, but say it once)
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) bytes.swap32();
  return { json: JSON.stringify(doc), densities: bytes };
}

/** A group folder's numbers read back whole (densities as float32 values). */
export function readStatsFiles(dir: string): GroupStats {
  const doc = JSON.parse(readFileSync(join(dir, STATS_FILE), 'utf8')) as GroupStats & { densities?: unknown };
  const raw = readFileSync(join(dir, DENSITIES_FILE));
  const floats = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  const density = (r: DensityRef): Density => ({ x: Array.from(floats.subarray(r.offset, r.offset + r.points)), y: Array.from(floats.subarray(r.offset + r.points, r.offset + 2 * r.points)) });
  const { densities: _layout, ...stats } = doc;
  for (const img of stats.images) for (const ch of img.channels) for (const v of VARIANTS) {
    (ch[v] as ValueStats).density = density(ch[v].density as unknown as DensityRef);
  }
  return stats;
}
