/**
 * Runs `start(item)` for each item with at most `window` in flight, so memory
 * stays bounded whatever the number of items; stops starting new ones when
 * `signal` aborts, and waits for those in flight. Results are handed to
 * `done` in the order they finish. The first error stops the loop and is
 * thrown once those in flight have settled.
 */
export async function forEachBounded<T, R>(
  items: Iterable<T>,
  window: number,
  start: (item: T) => Promise<R>,
  done: (result: R, item: T) => void = () => {},
  signal?: AbortSignal,
): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  let failure: { err: unknown } | undefined;
  for (const item of items) {
    if (signal?.aborted || failure) break;
    const p: Promise<void> = start(item)
      .then((r) => done(r, item))
      .catch((err: unknown) => {
        failure ??= { err };
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= window) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  if (failure) throw failure.err;
}
