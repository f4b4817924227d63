/**
 * The scheduler's only source of randomness: small, fast, and fully determined by its seed, so
 * a decision can be replayed from the request alone. sfc32 (Chris Doty-Humphrey's small fast
 * counter generator) seeded through splitmix32; strings are hashed with FNV-1a first.
 */
export interface Rng {
  /** A float in [0, 1). */
  next(): number;
}

export function createRng(seed: number | string): Rng {
  // A number seed keeps its high bits too, so seeds that differ above 2^32 still differ.
  let s = typeof seed === "number" ? (seed >>> 0) ^ Math.floor(seed / 2 ** 32) : fnv1a(seed);
  const split = () => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = split();
  let b = split();
  let c = split();
  let d = split();
  const next = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next(); // let the state mix before the first draw
  return { next };
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
