/**
 * A bounded admission queue: at most `concurrency` inferences run at once, at most `maxQueue` wait; beyond that
 * callers are refused at once (the server answers 503). A waiter that times out leaves the queue.
 */
import { HttpError, ServerErrorCodes } from './errors.js';

interface Waiter {
  resolve: () => void;
  reject: (e: Error) => void;
  timer?: NodeJS.Timeout;
}

export class InferenceQueue {
  readonly concurrency: number;
  readonly maxQueue: number;
  #running = 0;
  readonly #waiting: Waiter[] = [];

  constructor(concurrency: number, maxQueue: number) {
    this.concurrency = concurrency;
    this.maxQueue = maxQueue;
  }

  get running(): number {
    return this.#running;
  }
  get waiting(): number {
    return this.#waiting.length;
  }
  /** True when a new caller would be refused now. */
  get full(): boolean {
    return this.#running >= this.concurrency && this.#waiting.length >= this.maxQueue;
  }

  /** Waits for a slot (at most timeoutMs); the returned function gives it back. */
  async acquire(timeoutMs: number): Promise<() => void> {
    if (this.#running < this.concurrency) {
      this.#running++;
      return this.#releaser();
    }
    if (this.#waiting.length >= this.maxQueue) {
      throw new HttpError(ServerErrorCodes.OVERLOADED, `the server is overloaded: ${this.#running} inferences running and ${this.#waiting.length} queued (the queue limit); retry later`, { 'retry-after': '1' });
    }
    await new Promise<void>((resolve, reject) => {
      const w: Waiter = { resolve, reject };
      if (timeoutMs > 0) {
        w.timer = setTimeout(() => {
          const i = this.#waiting.indexOf(w);
          if (i >= 0) this.#waiting.splice(i, 1);
          reject(new HttpError(ServerErrorCodes.TIMEOUT, `the request timed out after waiting ${timeoutMs} ms in the inference queue; retry later`, { 'retry-after': '1' }));
        }, timeoutMs);
        w.timer.unref?.();
      }
      this.#waiting.push(w);
    });
    return this.#releaser();
  }

  #releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = this.#waiting.shift();
      if (next) {
        if (next.timer) clearTimeout(next.timer);
        next.resolve(); // the slot passes straight to the next waiter
      } else this.#running--;
    };
  }
}
