import type { Clock, TimerHandle } from "../../lib/clock.js";
import { TimeoutError } from "../errors.js";

/**
 * The client side of Pulsar's keepalive (PULSAR-BINARY.md §4): every interval, a PING, unless
 * nothing came from the broker since the previous tick; then the broker is presumed dead (silent
 * for two intervals) and `dead` is called. What counts as alive is the connection's call: any frame
 * but the broker's own PING.
 */
export class Keepalive {
  private timer: TimerHandle | undefined;
  private aliveSinceTick = true;
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly url: string,
    private readonly on: { ping(): void; dead(err: Error): void },
  ) {}

  alive(): void {
    this.aliveSinceTick = true;
  }

  start(): void {
    if (this.stopped || this.timer !== undefined) return;
    this.timer = this.clock.setTimeout(() => this.tick(), this.intervalMs);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    this.timer = undefined;
    if (this.stopped) return;
    if (!this.aliveSinceTick) {
      const silentMs = 2 * this.intervalMs;
      this.stop();
      this.on.dead(
        new TimeoutError(`broker silent for ${silentMs} ms (PING unanswered): connection dropped`, this.url),
      );
      return;
    }
    this.aliveSinceTick = false;
    this.on.ping();
    this.start();
  }
}
