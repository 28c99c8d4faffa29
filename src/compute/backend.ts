/**
 * Chooses and starts the tfjs backend, once per thread.
 *
 * `wasm` (tfjs-backend-wasm, shipped inside its npm package) is the default.
 * `@tensorflow/tfjs-node` downloads libtensorflow when it is installed, which
 * fails on machines without internet, and it is reported to fail inside
 * worker threads; so it is not a dependency: when a user has installed it and
 * it works in this thread, `auto` takes it, else wasm; `node` takes it or
 * fails.
 */
import { requireCjs } from '../util/require-cjs.js';

const tf = requireCjs('@tensorflow/tfjs-core') as typeof import('@tensorflow/tfjs-core');
requireCjs('@tensorflow/tfjs-backend-wasm');
requireCjs('@tensorflow/tfjs-backend-cpu');

export type { BackendChoice } from '../types.js';
import type { BackendChoice } from '../types.js';

let started: { choice: BackendChoice; name: Promise<string> } | undefined;

/**
 * Starts the backend (memoized per thread) and resolves to the name tfjs
 * reports (`wasm`, `cpu` or `tensorflow`).
 */
export function initBackend(choice: BackendChoice = 'auto'): Promise<string> {
  if (started && started.choice === choice) return started.name;
  started = { choice, name: start(choice) };
  return started.name;
}

async function start(choice: BackendChoice): Promise<string> {
  // One core per thread: the pool, not tfjs, decides how many threads run.
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  // tfjs' own notices (the cpu backend's four-line advice to install tfjs-node) are not bnviz's to print
  tf.enableProdMode();
  if (choice === 'auto' || choice === 'node') {
    const reason = await tryNode();
    if (reason === undefined) return tf.getBackend();
    // asked for by name, another backend would not be what was asked: the group fails with the reason
    if (choice === 'node') throw new Error(`backend node: tfjs-node ${reason === 'not installed' ? 'is not installed' : `does not work in this thread (${reason})`}; backend auto falls back to wasm`);
  }
  const wanted = choice === 'cpu' ? 'cpu' : 'wasm';
  if (!(await tf.setBackend(wanted))) throw new Error(`tfjs backend ${wanted} failed to start`);
  await tf.ready();
  return tf.getBackend();
}

/** Loads tfjs-node if installed; resolves undefined on success, else the reason. */
async function tryNode(): Promise<string | undefined> {
  const name = '@tensorflow/tfjs-node';
  try {
    await import(name);
  } catch {
    return 'not installed';
  }
  try {
    if (!(await tf.setBackend('tensorflow'))) return 'failed to start';
    tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(1)).dataSync());
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
