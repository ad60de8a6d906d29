/** Runs a function on a later turn of the event loop (setImmediate; tests pass a manual one). */
export type Scheduler = (run: () => void) => void;

/** Pushes written before the queue yields to the event loop. */
export const DEFAULT_PUSH_CHUNK = 64;

/**
 * Writes stream pushes in order without holding the event loop through a large fan-out.
 *
 * An activation edge can have thousands of StreamIsActive streams behind it. Written in one loop,
 * nothing reaches the socket until the last write is done, and KEDA's other calls wait too. Here at
 * most `chunk` writes run per turn: the first `chunk` at once (a small fan-out is written
 * synchronously, as before), the rest on later turns, so HTTP/2 flushes the first pushes while the
 * next ones are being written. Order is kept (first in, first written).
 */
export class PushQueue {
  private readonly pending: (() => void)[] = [];
  private head = 0;
  /** Writes since the queue last yielded. */
  private written = 0;
  private scheduled = false;

  constructor(
    private readonly onError: (err: unknown) => void,
    private readonly chunk = DEFAULT_PUSH_CHUNK,
    private readonly schedule: Scheduler = setImmediate,
  ) {
    if (!Number.isInteger(chunk) || chunk < 1)
      throw new RangeError(`push chunk must be an integer >= 1, got ${chunk}`);
  }

  /** Writes queued and not yet run. */
  get size(): number {
    return this.pending.length - this.head;
  }

  push(write: () => void): void {
    if (this.scheduled) {
      this.pending.push(write);
      return;
    }
    this.run(write);
    if (++this.written >= this.chunk) this.yieldTurn();
  }

  private yieldTurn(): void {
    this.scheduled = true;
    this.schedule(() => this.turn());
  }

  private turn(): void {
    this.written = 0;
    while (this.head < this.pending.length && this.written < this.chunk) {
      const write = this.pending[this.head] as () => void;
      this.pending[this.head++] = noop; // let the closure go now, not at the end of the burst
      this.written++;
      this.run(write);
    }
    if (this.head < this.pending.length) {
      this.schedule(() => this.turn());
      return;
    }
    this.pending.length = 0;
    this.head = 0;
    this.scheduled = false;
  }

  private run(write: () => void): void {
    try {
      write();
    } catch (err) {
      this.onError(err);
    }
  }
}

function noop(): void {}
