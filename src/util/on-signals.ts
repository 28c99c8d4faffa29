/**
 * SIGINT and SIGTERM as long-running commands answer them: the first calls
 * `first` (stop taking work, finish what is in hand), a second quits at once
 * with exit code 130. Returns a function that removes the handlers.
 */
export function onSignals(first: (signal: NodeJS.Signals) => void): () => void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
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
