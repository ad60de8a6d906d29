import type { Clock, TimerHandle } from "../../lib/clock.js";

/** What the keepalive tick looks at and does on its connection. */
export interface KeepAliveLink {
  handshakeDone(): boolean;
  /** A hung link (fault "hang") neither pings nor is closed for silence. */
  isFrozen(): boolean;
  ping(): void;
  abort(why: string): void;
}

/**
 * Pulsar's keepalive tick (PulsarHandler), every `intervalMs`: a link whose handshake is not done
 * is closed; one whose last PING is still unanswered is closed; one the broker heard nothing from
 * since the last tick gets a PING. Any frame received counts as liveness.
 */
export class KeepAlive {
  private receivedSinceTick = true;
  private waitingForPong = false;
  private timer: TimerHandle | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly link: KeepAliveLink,
  ) {
    this.arm();
  }

  /** A frame came in. */
  received(): void {
    this.receivedSinceTick = true;
    this.waitingForPong = false;
  }

  stop(): void {
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      if (!this.link.isFrozen()) {
        if (!this.link.handshakeDone()) return this.link.abort("handshake not completed in time");
        if (this.waitingForPong) return this.link.abort("ping unanswered");
        if (!this.receivedSinceTick) {
          this.waitingForPong = true;
          this.link.ping();
        }
        this.receivedSinceTick = false;
      }
      this.arm();
    }, this.intervalMs);
  }
}
