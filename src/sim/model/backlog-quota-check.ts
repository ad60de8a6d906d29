import type { Clock, TimerHandle } from "../../lib/clock.js";
import type { Topic } from "./topic.js";

/** The oldest unacknowledged entry of a topic's durable subscriptions, and whose it is. */
export interface OldestBacklog {
  readonly publishTime: number;
  readonly name: string;
}

/** The oldest backlog entry now, across the topic's durable subscriptions; undefined with no backlog. */
export function currentOldestBacklog(topic: Topic): OldestBacklog | undefined {
  let best: OldestBacklog | undefined;
  for (const s of topic.subscriptions.values()) {
    if (!s.durable) continue;
    const e = s.firstBacklogEntry();
    if (e && (!best || e.publishTime < best.publishTime)) best = { publishTime: e.publishTime, name: s.name };
  }
  return best;
}

/**
 * The broker's backlog-quota check (`backlogQuotaCheckIntervalInSeconds`): PersistentTopic caches the
 * oldest unacknowledged position and its publish time there, and oldestBacklogMessageAgeSeconds is
 * now minus that cached time. So the age keeps growing after the oldest is acked, and learns of acks,
 * a new oldest or an emptied backlog only at the next check. Interval 0 answers the current state.
 */
export class BacklogQuotaCheck {
  /** Per topic: the oldest entry at the last check, or null when it had no backlog. */
  private readonly cached = new WeakMap<Topic, OldestBacklog | null>();
  private timer: TimerHandle | undefined;

  constructor(
    private readonly clock: Clock,
    readonly intervalMs: number,
    private readonly topics: () => Iterable<Topic>,
  ) {
    this.schedule();
  }

  /** What the stats report: the cached oldest (undefined: no backlog, or not checked yet). */
  oldest(topic: Topic): OldestBacklog | undefined {
    if (this.intervalMs === 0) return currentOldestBacklog(topic);
    return this.cached.get(topic) ?? undefined;
  }

  /** Runs the check now over every topic (`admin brokers backlog-quota-check`). */
  runNow(): void {
    for (const t of this.topics()) this.cached.set(t, currentOldestBacklog(t) ?? null);
  }

  close(): void {
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** A fixed-rate task on the simulator's clock, first run one interval after start, as the broker's. */
  private schedule(): void {
    if (this.intervalMs === 0) return;
    this.timer = this.clock.setTimeout(() => {
      this.runNow();
      this.schedule();
    }, this.intervalMs);
  }
}
