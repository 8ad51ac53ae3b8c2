/**
 * Token buckets keyed by session or client address. Each key holds `burst` tokens refilled at `perSecond`;
 * a request spends one. Idle buckets that have refilled completely carry no information and are dropped,
 * which keeps memory proportional to the clients active in the last few seconds.
 */
export interface RateLimit {
  perSecond: number;
  burst: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private lastSweep = 0;

  constructor(private readonly limit: RateLimit) {}

  /** Spends one token for `key`; returns 0 when allowed, else the seconds until a token is back. */
  take(key: string, nowMs: number): number {
    this.sweep(nowMs);
    const bucket = this.buckets.get(key) ?? { tokens: this.limit.burst, at: nowMs };
    const refilled = ((nowMs - bucket.at) / 1000) * this.limit.perSecond;
    bucket.tokens = Math.min(this.limit.burst, bucket.tokens + refilled);
    bucket.at = nowMs;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.limit.perSecond));
  }

  get size(): number {
    return this.buckets.size;
  }

  private sweep(nowMs: number): void {
    if (nowMs - this.lastSweep < 10_000) return;
    this.lastSweep = nowMs;
    const fullAfterMs = (this.limit.burst / this.limit.perSecond) * 1000;
    for (const [key, bucket] of this.buckets) {
      if (nowMs - bucket.at >= fullAfterMs) this.buckets.delete(key);
    }
  }
}

/** Parses `<per second>/<burst>`, e.g. `20/200`. */
export function parseRateLimit(text: string, field: string): RateLimit {
  const match = /^(\d+(?:\.\d+)?)\/(\d+)$/.exec(text.trim());
  const perSecond = match ? Number(match[1]) : NaN;
  const burst = match ? Number(match[2]) : NaN;
  if (!(perSecond > 0) || !(burst >= 1)) {
    throw new Error(
      `${field} \`${text}\` is not a rate limit (accepted: <requests per second>/<burst>, e.g. 20/200)`,
    );
  }
  return { perSecond, burst };
}
