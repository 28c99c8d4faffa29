/**
 * SIGINT and SIGTERM as long-running commands answer them: the first calls
 * `first` (stop taking work, finish what is in hand), a second ends the
 * process at once by that signal (quitBySignal: process.exit would wait for a
 * thread blocked in a read for ever). Returns a function that removes the handlers.
 */
export function onSignals(first: (signal: NodeJS.Signals) => void): () => void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) quitBySignal(signal);
    stopping = true;
    first(signal);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

/**
 * Ends the process by `signal` itself, as if no handler were installed: the
 * kernel ends it at once. process.exit would wait for Node's threads, and one
 * blocked in a read that never returns (a FIFO, a hung network mount) would
 * keep it alive for ever.
 */
export function quitBySignal(signal: NodeJS.Signals): never {
  process.removeAllListeners(signal);
  process.kill(process.pid, signal);
  // The kernel may deliver it to another of the process's threads a moment later: wait for it here.
  for (;;) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
}
