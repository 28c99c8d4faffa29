/** The reference numbers drawn by the write-up's own stack (test/fixtures/reference/stats.json). */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REFERENCE } from './paths.js';

export interface RefValueStats {
  min: number; max: number; mean: number; std: number; below0: number; above1: number; bandwidth: number;
  density: { x: number[]; y: number[] };
}
export interface RefStats {
  epsilon: number;
  batch: { mean: number[]; variance: number[] };
  images: Array<{ file: string; channels: Array<{ channel: string; original: RefValueStats; normalized: RefValueStats }> }>;
}

const file = join(REFERENCE, 'stats.json');
export const hasReference = existsSync(file);
export const reference: RefStats | undefined = hasReference ? (JSON.parse(readFileSync(file, 'utf8')) as RefStats) : undefined;
