/**
 * Remembers every redeemed ticket nonce until its ticket would have expired anyway, which is what makes a
 * ticket single use. Tickets live at most a minute, so the set stays small; past `capacity` it refuses new
 * tickets instead of forgetting old ones, because forgetting would let a replay through.
 */
export class NonceStore {
  private readonly seen = new Map<string, number>();

  constructor(private readonly capacity = 100_000) {}

  /** Records the nonce and returns true, or returns false when it was already used or the store is full. */
  claim(nonce: string, expiresAt: number, now: number): boolean {
    this.sweep(now);
    if (this.seen.has(nonce) || this.seen.size >= this.capacity) return false;
    this.seen.set(nonce, expiresAt);
    return true;
  }

  get size(): number {
    return this.seen.size;
  }

  private sweep(now: number): void {
    for (const [nonce, expiresAt] of this.seen) {
      if (expiresAt <= now) this.seen.delete(nonce);
    }
  }
}
