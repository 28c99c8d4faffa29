/**
 * A count and its noun, singular for one: "1 group", "3 groups", "1 fit job".
 * `many` is the plural when it is not the noun and an s.
 *
 * @example
 * plural(1, 'thread') // "1 thread"
 * plural(2, 'thread') // "2 threads"
 */
export function plural(count: number, noun: string, many = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : many}`;
}
