/**
 * `require` for the CommonJS packages the pipeline loads in every thread
 * (sharp, tfjs, Skia, the PNG encoder). Imported as ES modules, Node reads
 * and lexes each one's whole source to find its exports, and first compiles
 * it to tell its format; `require` does neither. For these six packages that
 * was about 520 ms of CPU a thread against 190, at every start of every pool
 * thread (`node dist/scripts/bench-start.js`).
 *
 * Modules load them at their top level, `const x = requireCjs('pkg') as typeof import('pkg')`,
 * which test/module-graph.test.ts reads as it reads static imports.
 */
import { createRequire } from 'node:module';

export const requireCjs = createRequire(import.meta.url);
