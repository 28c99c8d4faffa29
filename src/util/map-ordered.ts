/**
 * `fn` applied to each item of a stream with up to `window` calls in flight,
 * the results handed on in the stream's order: reads of many small files
 * overlap (and overlap the reading of the stream itself, chunks from Redis
 * say), while memory holds at most `window` results. The first error is
 * thrown where its result would have been handed on; calls already started
 * are left to settle unobserved.
 */
export async function* mapOrdered<T, R>(items: Iterable<T> | AsyncIterable<T>, window: number, fn: (item: T) => Promise<R>): AsyncGenerator<R> {
  const pending: Array<Promise<R>> = [];
  for await (const item of items) {
    const p = fn(item);
    p.catch(() => {}); // observed when its turn comes; until then no unhandled rejection
    pending.push(p);
    if (pending.length >= window) yield await pending.shift()!;
  }
  while (pending.length) yield await pending.shift()!;
}
