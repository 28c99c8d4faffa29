/**
 * A search of a fleet run's groups by name: the groups whose id or one of
 * whose files holds a term, in any case. The names are in the run's log in
 * Redis and nowhere the dashboard keeps them, so a new term reads the log;
 * it reads a bounded stretch of it a request (at most `entries` entries, in
 * LRANGEs of SEARCH_CHUNK, and no more once `ms` have passed), so no request
 * costs Redis or the dashboard the run's size: the page asks again, showing
 * what was found so far, until the search has caught up with the log, and
 * later requests read only what is new. What it found is one bit a group.
 */
import type { LogEntry, RunStore } from '../fleet/run-store.js';

/** Log entries one LRANGE reads (about 115 bytes each, about 1 ms of Redis). */
export const SEARCH_CHUNK = 5000;

/** What one request may read of the log for a search: entries, and milliseconds after which no further chunk is read. */
export interface SearchBudget {
  entries: number;
  ms: number;
}

/**
 * 30,000 entries: about 3.5 MB and 6-10 ms of Redis CPU (measured at 0.2-0.35
 * us an entry), and 60 ms, after which no further chunk is read (a loaded
 * machine); a search of 430,000 groups takes 15 requests or more.
 */
export const SEARCH_BUDGET: Readonly<SearchBudget> = { entries: 30_000, ms: 60 };

/** Whether a group's id or one of its files holds `needle` (lower case), in any case. */
export function matchesName(g: Pick<LogEntry, 'groupId' | 'files'>, needle: string): boolean {
  return g.groupId.toLowerCase().includes(needle) || g.files.some((f) => f.toLowerCase().includes(needle));
}

export class NameSearch {
  /** Log entries read so far. */
  cursor = 0;
  /** One bit a group index: found. */
  private found = new Uint8Array(128);

  /** `needle`: the term, trimmed and in lower case. */
  constructor(readonly needle: string) {}

  has(index: number): boolean {
    const byte = index >>> 3;
    return byte < this.found.length && (this.found[byte]! & (1 << (index & 7))) !== 0;
  }

  /** Bytes it holds: one bit a group index seen. */
  get bytes(): number {
    return this.found.byteLength;
  }

  /**
   * Reads the log on from where it stopped towards `end` (the length of the
   * log the index has followed), within `budget`; true once it has reached `end`.
   */
  async advance(store: RunStore, end: number, budget: Readonly<SearchBudget> = SEARCH_BUDGET): Promise<boolean> {
    const started = performance.now();
    let read = 0;
    while (this.cursor < end && read < budget.entries && (read === 0 || performance.now() - started < budget.ms)) {
      const { entries, next } = await store.readLog(this.cursor, Math.min(SEARCH_CHUNK, end - this.cursor, budget.entries - read), this.needle);
      // a log shorter than the index knew (the run cleaned meanwhile): nothing more to find
      if (next === this.cursor) {
        this.cursor = end;
        break;
      }
      read += next - this.cursor;
      this.cursor = next;
      for (const e of entries) if (matchesName(e, this.needle)) this.add(e.index);
    }
    return this.cursor >= end;
  }

  private add(index: number): void {
    const byte = index >>> 3;
    if (byte >= this.found.length) {
      const grown = new Uint8Array(Math.max(byte + 1, this.found.length * 2));
      grown.set(this.found);
      this.found = grown;
    }
    this.found[byte]! |= 1 << (index & 7);
  }
}
