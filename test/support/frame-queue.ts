/**
 * Items received by a fake peer, in order, with a way to wait for the next one that matches. Each
 * `next` consumes: the following call looks only at items after the one it returned.
 */
export class FrameQueue<T> {
  readonly all: T[] = [];
  private cursor = 0;
  private waiters: Array<() => void> = [];

  push(item: T): void {
    this.all.push(item);
    for (const w of this.waiters.splice(0)) w();
  }

  /** The next item after the cursor matching `match`, waiting up to `timeoutMs`. */
  async next(match: (item: T) => boolean = () => true, timeoutMs = 5000, what = "frame"): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (let i = this.cursor; i < this.all.length; i++) {
        const item = this.all[i] as T;
        if (match(item)) {
          this.cursor = i + 1;
          return item;
        }
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${what}: none within ${timeoutMs} ms (saw ${this.all.length})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}
