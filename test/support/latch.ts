/**
 * Wait for N events instead of sleeping. `hit()` counts one; `wait()` resolves when the count is
 * reached and rejects with a message after `timeoutMs` (a hang becomes a readable failure).
 */
export class Latch {
  private count = 0;
  private waiters: Array<() => void> = [];

  constructor(private readonly target = 1) {}

  hit(): void {
    this.count++;
    if (this.count >= this.target) for (const w of this.waiters.splice(0)) w();
  }

  get hits(): number {
    return this.count;
  }

  wait(timeoutMs = 5000, what = "latch"): Promise<void> {
    if (this.count >= this.target) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new Error(`${what}: waited ${timeoutMs} ms for ${this.target} events, saw ${this.count}`)),
        timeoutMs,
      );
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

/** Polls `predicate` on the event loop (no fixed sleeps) until true, or fails after `timeoutMs`. */
export async function eventually(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
  what = "condition",
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await predicate()) return;
    if (Date.now() > deadline) throw new Error(`${what}: not true after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
