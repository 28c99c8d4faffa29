/**
 * `--backend node` asks for @tensorflow/tfjs-node, which bnviz does not
 * install (it downloads libtensorflow when installed). Without it the command
 * stops at start with one line, rather than run on another backend than the
 * one asked for; `auto` is the setting that falls back.
 */
import { createRequire } from 'node:module';
import { ConfigError } from '../errors.js';

export async function checkBackend(backend: string): Promise<void> {
  if (backend !== 'node') return;
  try {
    // resolved, not loaded: loading it starts TensorFlow in this thread, which computes nothing
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
  } catch {
    throw new ConfigError({
      key: 'backend',
      text: (name) => `${name}: node needs @tensorflow/tfjs-node, which is not installed (npm install @tensorflow/tfjs-node); auto uses it when it is there and works, else wasm`,
    });
  }
}
