/** Versions of bnviz and the libraries behind its numbers and pictures, for run.json. */
import { createRequire } from 'node:module';
import type Sharp from 'sharp';
import { requireCjs } from '../util/require-cjs.js';
import { VERSION } from '../version.js';

const sharp = requireCjs('sharp') as typeof Sharp;

const require = createRequire(import.meta.url);

function versionOf(pkg: string): string {
  try {
    return (require(`${pkg}/package.json`) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export function versions(): Record<string, string> {
  return {
    bnviz: VERSION,
    node: process.versions.node,
    sharp: sharp.versions.sharp ?? versionOf('sharp'),
    libvips: sharp.versions.vips,
    '@tensorflow/tfjs-core': versionOf('@tensorflow/tfjs-core'),
    'fast-kde': versionOf('fast-kde'),
    '@napi-rs/canvas': versionOf('@napi-rs/canvas'),
  };
}
