/**
 * Throttles clients that send wrong API keys: at most `limit` failures per address per window; past that the
 * address gets 429 until its window ends. In-process (per replica), bounded in the addresses it remembers.
 */
const MAX_ADDRESSES = 10_000;

export class AuthFailureLimiter {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #failures = new Map<string, { count: number; resetAt: number }>();

  constructor(limit: number, windowMs: number) {
    this.#limit = limit;
    this.#windowMs = windowMs;
  }

  /** Milliseconds until `address` may try again (0: it may now). */
  blockedFor(address: string): number {
    if (this.#limit <= 0) return 0;
    const entry = this.#failures.get(address);
    if (!entry) return 0;
    const now = Date.now();
    if (now >= entry.resetAt) {
      this.#failures.delete(address);
      return 0;
    }
    return entry.count >= this.#limit ? entry.resetAt - now : 0;
  }

  /** Counts one wrong key from `address`. */
  fail(address: string): void {
    if (this.#limit <= 0) return;
    const now = Date.now();
    const entry = this.#failures.get(address);
    if (entry && now < entry.resetAt) {
      entry.count++;
      return;
    }
    if (this.#failures.size >= MAX_ADDRESSES) {
      for (const [key, value] of this.#failures) if (now >= value.resetAt) this.#failures.delete(key);
      if (this.#failures.size >= MAX_ADDRESSES) this.#failures.delete(this.#failures.keys().next().value as string);
    }
    this.#failures.set(address, { count: 1, resetAt: now + this.#windowMs });
  }
}
