import type { Clock } from "../lib/clock.js";

/**
 * Readers waiting for a key's first observation, each for at most a bounded time. `release(id)`
 * wakes the waiters of a key (first observation, or the key went away); a timeout wakes one.
 * Waking is all it does: the reader then reads, and gets a value or NoFreshDataError.
 */
export class FirstReadWaiters {
  private readonly waiting = new Map<string, Set<() => void>>();

  constructor(private readonly clock: Clock) {}

  wait(id: string, ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      let set = this.waiting.get(id);
      if (!set) {
        set = new Set();
        this.waiting.set(id, set);
      }
      const done = () => {
        this.clock.clearTimeout(timer);
        const s = this.waiting.get(id);
        s?.delete(done);
        if (s?.size === 0) this.waiting.delete(id);
        resolve();
      };
      const timer = this.clock.setTimeout(done, ms);
      set.add(done);
    });
  }

  release(id: string): void {
    for (const done of [...(this.waiting.get(id) ?? [])]) done();
  }

  releaseAll(): void {
    for (const id of [...this.waiting.keys()]) this.release(id);
  }

  /** Number of readers waiting (tests, introspection). */
  get size(): number {
    let n = 0;
    for (const s of this.waiting.values()) n += s.size;
    return n;
  }
}
