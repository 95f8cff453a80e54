/**
 * A seeded pseudo-random generator and the samplers the synthetic market draws from. The generator is
 * sfc32 (Chris Doty-Humphrey's Small Fast Chaotic generator, as in PractRand): 128 bits of state,
 * no known statistical failures at the sizes used here, and only 32-bit integer arithmetic, so the
 * same seed gives the same stream on every JavaScript engine. The state is seeded through splitmix32
 * so that neighbouring seeds (1, 2, 3) start far apart.
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  /** The second value of the last Box-Muller pair, or NaN when none is waiting. */
  private spareNormal = Number.NaN;

  /** `seed` is any safe integer; `stream` separates independent generators made from one seed. */
  constructor(seed: number, stream = 0) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`Rng seed must be a safe integer, got ${seed}`);
    let s = (seed >>> 0) ^ Math.imul(Math.floor(seed / 4294967296) >>> 0, 0x9e3779b9) ^ Math.imul(stream + 1, 0x85ebca6b);
    const split = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = split();
    this.b = split();
    this.c = split();
    this.d = split();
    // The generator's authors discard the first outputs so that a weak seed has mixed in.
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform on [0, 1), 32 bits of resolution. */
  uniform(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform on (0, 1): never 0, so its logarithm is finite. */
  open(): number {
    return (this.nextUint32() + 0.5) / 4294967296;
  }

  /** An integer uniform on [0, n). */
  below(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal, by the Box-Muller transform; the pair's second value serves the next call. */
  normal(): number {
    const spare = this.spareNormal;
    if (!Number.isNaN(spare)) {
      this.spareNormal = Number.NaN;
      return spare;
    }
    const r = Math.sqrt(-2 * Math.log(this.open()));
    const theta = 2 * Math.PI * this.uniform();
    this.spareNormal = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  /** Exponential with mean 1. */
  exponential(): number {
    return -Math.log(this.open());
  }

  /**
   * Poisson with the given mean. Knuth's product of uniforms, which costs mean + 1 draws: the means
   * here are a few events a step. Above 30 a rounded normal approximation is used instead.
   */
  poisson(mean: number): number {
    if (mean <= 0) return 0;
    if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * this.normal()));
    const limit = Math.exp(-mean);
    let k = 0;
    let p = this.uniform();
    while (p > limit) {
      k++;
      p *= this.uniform();
    }
    return k;
  }

  /** Pareto (type I) with minimum `scale` and tail index `alpha`: P(X > x) = (scale / x)^alpha. */
  pareto(scale: number, alpha: number): number {
    return scale * Math.pow(this.open(), -1 / alpha);
  }

  /** Log-normal with the given median and log-scale standard deviation. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /**
   * Geometric on {0, 1, 2, ...}: the number of failures before the first success of probability `p`.
   * Mean (1 - p) / p. Used to skip directly to the next level a per-level event touches.
   */
  geometric(p: number): number {
    if (p >= 1) return 0;
    return Math.floor(Math.log(this.open()) / Math.log1p(-p));
  }
}
