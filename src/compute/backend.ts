/**
 * Chooses and starts the tfjs backend, once per thread.
 *
 * `wasm` (tfjs-backend-wasm, shipped inside its npm package) is the default.
 * `@tensorflow/tfjs-node` downloads libtensorflow when it is installed, which
 * fails on machines without internet, and it is reported to fail inside
 * worker threads; so it is not a dependency: when a user has installed it and
 * it works in this thread, `auto` takes it, else bnviz logs one line and uses
 * wasm.
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
 * reports (`wasm`, `cpu` or `tensorflow`). `log` receives the fallback line.
 */
export function initBackend(choice: BackendChoice = 'auto', log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<string> {
  if (started && started.choice === choice) return started.name;
  started = { choice, name: start(choice, log) };
  return started.name;
}

async function start(choice: BackendChoice, log: (line: string) => void): Promise<string> {
  // One core per thread: the pool, not tfjs, decides how many threads run.
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  if (choice === 'auto' || choice === 'node') {
    const reason = await tryNode();
    if (reason === undefined) return tf.getBackend();
    if (choice === 'node') log(`bnviz: tfjs-node unavailable (${reason}); using the wasm backend`);
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
