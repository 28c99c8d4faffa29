/**
 * A reproducible shuffle, as a training loop's sampler draws a dataset in a
 * random order each epoch: Fisher-Yates (Durstenfeld's in-place form) driven
 * by sfc32 (Chris Doty-Humphrey's Small Fast Counting generator, as
 * PractRand tests it), seeded through splitmix32. The same seed and the same
 * items give the same order on any machine; pure, no I/O.
 */

/** A generator of uniform 32-bit integers from a seed. */
export function sfc32(seed: number): () => number {
  // splitmix32 spreads a small seed over the generator's 128 bits of state
  let s = seed >>> 0;
  const split = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = split();
  let b = split();
  let c = split();
  let d = split();
  return () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t;
  };
}

/** Shuffles `items` in place with the seed's generator; returns them. */
export function shuffleInPlace<T>(items: T[], seed: number): T[] {
  const next = sfc32(seed);
  for (let i = items.length - 1; i > 0; i--) {
    // an index in [0, i]: a 53-bit fraction of two draws, so no modulo bias at any length
    const j = Math.floor(((next() * 2 ** 21 + (next() >>> 11)) / 2 ** 53) * (i + 1));
    const x = items[i]!;
    items[i] = items[j]!;
    items[j] = x;
  }
  return items;
}
