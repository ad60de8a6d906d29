import type { SubscriptionSnapshot } from "../pulsar/snapshot.js";

/**
 * Least time (ms) between two stats reads with `getEarliestTimeInBacklog=true` of one key. The
 * broker pays a ledger read per subscription of the topic for each (it reads the first backlog
 * entry to learn its publish time), so a key asks at most this often, and only while its
 * backlog is above 0, or an arrival says it may be (docs/scaling-signals.md, Costs). A backlog
 * that appears with no publish time known is asked about at once: once per backlog episode.
 */
export const AGE_READ_INTERVAL_MS = 15_000;

/**
 * When one watcher asks for the publish time of the oldest unacknowledged message, and the age it
 * reports. With no backlog the age is 0 (observed: nothing is waiting). Between two asking reads
 * the publish time last read is kept while the backlog stays above 0: the age grows with the
 * clock as the broker's own would, and a read that finds the oldest acked corrects it within
 * AGE_READ_INTERVAL_MS. A broker that leaves the field out (before Pulsar 2.10.0) gives no age.
 */
export class BacklogAge {
  private askedAt: number | undefined;
  /** Start and backlog of the last good read. */
  private readAt: number | undefined;
  private backlog: number | undefined;
  /** Publish time (epoch ms) of the oldest unacknowledged message at the last asking read. */
  private earliest: number | undefined;

  constructor(private readonly intervalMs = AGE_READ_INTERVAL_MS) {}

  /** Whether the read starting at `now` asks; `lastArrivalAt`: the watcher's newest arrival. */
  shouldAsk(now: number, lastArrivalAt: number | undefined): boolean {
    const arrived = lastArrivalAt !== undefined && (this.readAt === undefined || lastArrivalAt > this.readAt);
    const backlog = this.backlog === undefined || this.backlog > 0 || arrived;
    if (!backlog) return false;
    return this.earliest === undefined || this.askedAt === undefined || now - this.askedAt >= this.intervalMs;
  }

  /** The age in seconds at `observedAt` from a read that asked (`asked`) or not; undefined = unknown. */
  ageOf(sub: SubscriptionSnapshot, observedAt: number, asked: boolean): number | undefined {
    this.readAt = observedAt;
    this.backlog = sub.msgBacklog;
    if (asked) {
      this.askedAt = observedAt;
      this.earliest = sub.earliestMsgPublishTimeInBacklog;
    }
    if (sub.msgBacklog === 0) {
      this.earliest = undefined;
      // A broker without the field gives no age even at 0: it would not give one later either.
      return asked && sub.earliestMsgPublishTimeInBacklog === undefined ? undefined : 0;
    }
    if (this.earliest === undefined) return undefined;
    // 0 with a backlog: the broker's read of the first entry found nothing (yet); no age.
    if (this.earliest === 0) return undefined;
    return Math.max(0, observedAt - this.earliest) / 1000;
  }
}
