/** How many recent heartbeats the offset estimate looks at. */
export const DEFAULT_OFFSET_WINDOW = 8;

/**
 * Estimates how far a sidecar's clock is behind the hub's, from its heartbeat frames, and moves the
 * sidecar's timestamps (an observation's `observedAt`, an arrival's `receivedAt`) onto the hub's
 * clock, which is the clock staleness and activation are judged by.
 *
 * A heartbeat stamped `sentAt` on the sidecar's clock and received at `receivedAt` on the hub's
 * gives `receivedAt - sentAt = offset + delay`, with delay >= 0 (network, event loop). The smallest
 * such sample among the last `window` heartbeats is the tightest estimate of the true offset, so:
 *
 *     offset   = min over recent heartbeats of (hubReceivedAt - sentAt)
 *     hubTime  = min(sidecarTime + offset, hub now)
 *
 * Clamping to "now" keeps a sidecar whose clock runs ahead (or an estimate that is off) from
 * reporting an observation from the future, which would look fresher than it is. Before the first
 * heartbeat the offset is 0: the sidecar's clock is trusted (NTP-synced nodes differ by
 * milliseconds), still clamped to now. Only recent samples count, so a clock that was stepped is
 * followed within `window` heartbeats.
 */
export class ClockOffset {
  private readonly samples: number[] = [];

  constructor(private readonly window = DEFAULT_OFFSET_WINDOW) {}

  /** Records a heartbeat: `sentAt` on the sidecar's clock, `receivedAt` on the hub's. */
  heartbeat(sentAt: number, receivedAt: number): void {
    this.samples.push(receivedAt - sentAt);
    if (this.samples.length > this.window) this.samples.shift();
  }

  /** Hub time minus sidecar time (ms), or undefined before the first heartbeat. */
  get offsetMs(): number | undefined {
    return this.samples.length === 0 ? undefined : Math.min(...this.samples);
  }

  /** A sidecar timestamp on the hub's clock, never later than `now`; `now` while the offset is unknown. */
  toHub(sidecarTime: number, now: number): number {
    const offset = this.offsetMs;
    return offset === undefined ? now : Math.min(sidecarTime + offset, now);
  }
}
