/**
 * The first `k` of a stream in a given order, kept in a binary heap of `k`
 * items: O(n log k) time and O(k) memory however long the stream, where a
 * sort of everything would hold it all. `before(a, b)` is negative when `a`
 * comes first (as Array.prototype.sort's comparator); the heap's root is the
 * item kept that comes last, the one a better newcomer replaces.
 */
export class TopK<T> {
  private readonly heap: T[] = [];
  /** Items offered so far, kept or not. */
  seen = 0;

  constructor(readonly k: number, private readonly before: (a: T, b: T) => number) {}

  add(item: T): void {
    this.seen++;
    const h = this.heap;
    if (this.k <= 0) return;
    if (h.length < this.k) {
      h.push(item);
      this.up(h.length - 1);
    } else if (this.before(item, h[0]!) < 0) {
      h[0] = item;
      this.down(0);
    }
  }

  /** The items kept, first first. */
  sorted(): T[] {
    return [...this.heap].sort(this.before);
  }

  /** Offered but not kept. */
  get leftOut(): number {
    return this.seen - this.heap.length;
  }

  /** a sits above b when it comes later in the order */
  private above(a: T, b: T): boolean {
    return this.before(a, b) > 0;
  }

  private up(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.above(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let top = i;
      if (l < h.length && this.above(h[l]!, h[top]!)) top = l;
      if (r < h.length && this.above(h[r]!, h[top]!)) top = r;
      if (top === i) return;
      [h[i], h[top]] = [h[top]!, h[i]!];
      i = top;
    }
  }
}
