import type { Clock, TimerHandle } from "../../lib/clock.js";
import { SubConsumer } from "./consumer.js";
import { RateWindow } from "./rates.js";
import type { ConsumerInit, Entry, StartPosition, SubscriptionType } from "./types.js";

/** What a subscription needs from its topic's log. */
export interface EntryLog {
  readonly persistent: boolean;
  /** Id the next published entry will get. */
  end(): number;
  /** Oldest entry id still stored (older ones were trimmed after every cursor passed them). */
  firstId(): number;
  get(entryId: number): Entry | undefined;
  messageId(entryId: number): string;
  /** Ids of entries carrying a deliverAt (small; pruned by the topic). */
  delayedIds(): ReadonlySet<number>;
}

/**
 * A cursor over a topic: mark-delete position plus individually acknowledged entries, the read
 * position of the dispatcher, a replay set (nacked or orphaned by a disconnect) and delayed entries.
 * msgBacklog = entries after the mark-delete position that are not individually acknowledged.
 */
export class Subscription {
  markDelete: number;
  private readPos: number;
  private readonly acked = new Set<number>();
  private readonly replay = new Set<number>();
  private readonly delayed = new Set<number>();
  private readonly pending = new Map<number, SubConsumer>();
  private readonly redeliveries = new Map<number, number>();
  /** Non-persistent topics keep an entry only while it is in flight. */
  private readonly inflight = new Map<number, Entry>();
  readonly consumers = new Map<number, SubConsumer>();
  backlogBytes = 0;
  msgOutCounter = 0;
  bytesOutCounter = 0;
  lastConsumedTimestamp = 0;
  lastAckedTimestamp = 0;
  lastMarkDeleteAdvancedTimestamp = 0;
  lastConsumedFlowTimestamp = 0;
  readonly outRate: RateWindow;
  readonly ackRate: RateWindow;
  readonly redeliverRate: RateWindow;
  readonly dropRate: RateWindow;
  private rr = 0;
  private dispatching = false;
  private delayTimer: { at: number; handle: TimerHandle } | undefined;

  constructor(
    readonly name: string,
    public type: SubscriptionType,
    readonly durable: boolean,
    private readonly log: EntryLog,
    start: StartPosition,
    private readonly clock: Clock,
    private readonly windowMs: number,
  ) {
    const end = log.end();
    const first =
      !log.persistent || start === "latest" ? end : start === "earliest" ? 0 : start.afterEntryId + 1;
    this.markDelete = Math.min(Math.max(log.firstId(), first), end);
    this.readPos = this.markDelete;
    for (let id = this.markDelete; id < end; id++) this.backlogBytes += log.get(id)?.size ?? 0;
    this.outRate = new RateWindow(clock, windowMs);
    this.ackRate = new RateWindow(clock, windowMs);
    this.redeliverRate = new RateWindow(clock, windowMs);
    this.dropRate = new RateWindow(clock, windowMs);
  }

  get msgBacklog(): number {
    if (!this.log.persistent) return 0;
    return this.log.end() - this.markDelete - this.acked.size;
  }

  /** Delayed entries not yet due (Shared and Key_Shared only deliver late; others ignore deliverAt). */
  get msgDelayed(): number {
    if (!this.delaysDelivery()) return 0;
    const now = this.clock.now();
    let n = 0;
    for (const id of this.log.delayedIds()) {
      const e = this.log.get(id);
      if (e?.deliverAt !== undefined && e.deliverAt > now && this.isOutstanding(id)) n++;
    }
    return n;
  }

  get msgInReplay(): number {
    return this.replay.size;
  }

  get unackedMessages(): number {
    let n = 0;
    for (const c of this.consumers.values()) n += this.consumerUnacked(c);
    return n;
  }

  /** Pulsar tracks pending acks per consumer only in the individual-ack modes. */
  consumerUnacked(c: SubConsumer): number {
    return this.type === "Shared" || this.type === "Key_Shared" ? c.unacked.size : 0;
  }

  /** Oldest entry still in the backlog, if any. */
  firstBacklogEntry(): Entry | undefined {
    for (let id = this.markDelete; id < this.log.end(); id++) {
      if (!this.acked.has(id)) return this.log.get(id);
    }
    return undefined;
  }

  activeConsumer(): SubConsumer | undefined {
    let best: SubConsumer | undefined;
    for (const c of this.consumers.values()) {
      if (!best || c.init.priorityLevel < best.init.priorityLevel) best = c;
    }
    return best;
  }

  addConsumer(id: number, init: ConsumerInit): SubConsumer {
    const c = new SubConsumer(id, init, this.clock, this.windowMs);
    this.consumers.set(id, c);
    this.lastConsumedFlowTimestamp = this.clock.now();
    this.dispatch();
    return c;
  }

  /** Unacknowledged entries of a leaving consumer go back for redelivery to the others. */
  removeConsumer(id: number): void {
    const c = this.consumers.get(id);
    if (!c) return;
    this.consumers.delete(id);
    for (const entryId of c.unacked) {
      this.pending.delete(entryId);
      if (this.log.persistent) this.replay.add(entryId);
      else this.inflight.delete(entryId);
    }
    c.unacked.clear();
    if (this.consumers.size === 0) this.cancelDelayTimer();
    this.dispatch();
  }

  onPublish(entry: Entry): void {
    if (this.log.persistent) this.backlogBytes += entry.size;
    else this.inflight.set(entry.entryId, entry);
    this.dispatch();
    if (!this.log.persistent && !this.pending.has(entry.entryId)) {
      this.inflight.delete(entry.entryId);
      this.dropRate.record(1, entry.size);
    }
  }

  /** Individual acknowledgement; false when the entry was already acknowledged or does not exist. */
  ack(entryId: number): boolean {
    const holder = this.pending.get(entryId);
    if (holder) {
      holder.unacked.delete(entryId);
      holder.ackRate.record(1);
      holder.lastAckedTimestamp = this.clock.now();
      this.pending.delete(entryId);
    }
    if (!this.log.persistent) {
      const known = this.inflight.delete(entryId);
      if (known) this.recordAck();
      return known;
    }
    if (entryId < this.markDelete || entryId >= this.log.end() || this.acked.has(entryId)) return false;
    this.replay.delete(entryId);
    this.delayed.delete(entryId);
    this.redeliveries.delete(entryId);
    this.backlogBytes -= this.log.get(entryId)?.size ?? 0;
    this.acked.add(entryId);
    const before = this.markDelete;
    while (this.acked.delete(this.markDelete)) this.markDelete++;
    if (this.markDelete !== before) this.lastMarkDeleteAdvancedTimestamp = this.clock.now();
    if (this.readPos < this.markDelete) this.readPos = this.markDelete;
    this.recordAck();
    return true;
  }

  /** Acknowledges every entry up to and including `entryId` (readers, cumulative acks). */
  ackCumulative(entryId: number): void {
    for (let id = this.markDelete; id <= entryId && id < this.log.end(); id++) this.ack(id);
  }

  /** Acknowledges the oldest `count` entries of the backlog, as a consumer would. Returns how many. */
  ackOldest(count: number): number {
    let done = 0;
    for (let id = this.markDelete; id < this.log.end() && done < count; id++) {
      if (this.ack(id)) done++;
    }
    return done;
  }

  /** Skips the whole backlog (admin skip_all / clear-backlog). */
  clearBacklog(): void {
    for (const c of this.consumers.values()) c.unacked.clear();
    this.pending.clear();
    this.replay.clear();
    this.delayed.clear();
    this.acked.clear();
    this.redeliveries.clear();
    this.markDelete = this.log.end();
    this.readPos = this.markDelete;
    this.backlogBytes = 0;
  }

  /** Redelivers entries (after a negative ack): redeliveryCount + 1, then dispatched again. */
  redeliver(entryIds: readonly number[]): void {
    for (const id of entryIds) {
      const holder = this.pending.get(id);
      if (!holder) continue;
      holder.unacked.delete(id);
      holder.redeliverRate.record(1);
      this.pending.delete(id);
      if (!this.log.persistent) {
        this.inflight.delete(id);
        continue;
      }
      this.redeliveries.set(id, (this.redeliveries.get(id) ?? 0) + 1);
      this.replay.add(id);
      this.redeliverRate.record(1);
    }
    this.dispatch();
  }

  /** Hands out messages while some consumer has permits. Re-entrant calls are folded into one. */
  dispatch(): void {
    if (this.dispatching) return;
    this.dispatching = true;
    try {
      for (;;) {
        const entry = this.nextEntry();
        if (!entry) break;
        const consumer = this.pickConsumer(entry);
        if (!consumer) break;
        this.deliver(consumer, entry);
      }
    } finally {
      this.dispatching = false;
    }
  }

  close(): void {
    this.cancelDelayTimer();
  }

  private recordAck(): void {
    this.ackRate.record(1);
    this.lastAckedTimestamp = this.clock.now();
  }

  private isOutstanding(id: number): boolean {
    return id >= this.markDelete && !this.acked.has(id);
  }

  private delaysDelivery(): boolean {
    return this.log.persistent && (this.type === "Shared" || this.type === "Key_Shared");
  }

  private deliver(consumer: SubConsumer, entry: Entry): void {
    const id = entry.entryId;
    const now = this.clock.now();
    this.replay.delete(id);
    this.delayed.delete(id);
    if (id >= this.readPos) this.readPos = id + 1;
    consumer.init.flow.take(entry);
    consumer.recordSent(entry.size, now);
    this.msgOutCounter++;
    this.bytesOutCounter += entry.size;
    this.lastConsumedTimestamp = now;
    this.outRate.record(1, entry.size);
    const redeliveryCount = this.redeliveries.get(id) ?? 0;
    if (consumer.init.autoAck) {
      if (this.log.persistent) this.ackCumulative(id);
    } else {
      this.pending.set(id, consumer);
      consumer.unacked.add(id);
    }
    consumer.init.sink.deliver({ entry, messageId: this.log.messageId(id), redeliveryCount });
  }

  /** The next entry to hand out: replays first, then due delayed entries, then new entries. */
  private nextEntry(): Entry | undefined {
    if (!this.log.persistent) {
      for (const [id, e] of this.inflight) if (!this.pending.has(id)) return e;
      return undefined;
    }
    const now = this.clock.now();
    if (this.replay.size > 0) {
      const ids = [...this.replay].sort((a, b) => a - b);
      for (const id of ids) {
        const e = this.isOutstanding(id) ? this.log.get(id) : undefined;
        if (e) return e;
        this.replay.delete(id);
      }
    }
    if (this.delayed.size > 0) {
      for (const id of [...this.delayed].sort((a, b) => a - b)) {
        const e = this.log.get(id);
        if (!e || !this.isOutstanding(id)) this.delayed.delete(id);
        else if ((e.deliverAt ?? 0) <= now) return e;
        else this.scheduleDelayed(e.deliverAt ?? now);
      }
    }
    while (this.readPos < this.log.end()) {
      const id = this.readPos;
      const e = this.log.get(id);
      if (!e || !this.isOutstanding(id) || this.pending.has(id)) {
        this.readPos++;
        continue;
      }
      if (this.delaysDelivery() && e.deliverAt !== undefined && e.deliverAt > now) {
        this.delayed.add(id);
        this.scheduleDelayed(e.deliverAt);
        this.readPos++;
        continue;
      }
      return e;
    }
    return undefined;
  }

  private pickConsumer(entry: Entry): SubConsumer | undefined {
    const all = [...this.consumers.values()];
    if (all.length === 0) return undefined;
    const has = (c: SubConsumer | undefined) => (c && c.init.flow.available() > 0 ? c : undefined);
    if (this.type === "Exclusive" || this.type === "Failover") return has(this.activeConsumer());
    if (this.type === "Key_Shared" && entry.key !== undefined) {
      const sorted = all.sort((a, b) => a.id - b.id);
      return has(sorted[hashKey(entry.key) % sorted.length]);
    }
    for (let i = 0; i < all.length; i++) {
      const c = all[(this.rr + i) % all.length];
      if (has(c)) {
        this.rr = (this.rr + i + 1) % all.length;
        return c;
      }
    }
    return undefined;
  }

  private scheduleDelayed(at: number): void {
    if (this.delayTimer && this.delayTimer.at <= at) return;
    this.cancelDelayTimer();
    const handle = this.clock.setTimeout(
      () => {
        this.delayTimer = undefined;
        this.dispatch();
      },
      Math.max(0, at - this.clock.now()),
    );
    this.delayTimer = { at, handle };
  }

  private cancelDelayTimer(): void {
    if (this.delayTimer) this.clock.clearTimeout(this.delayTimer.handle);
    this.delayTimer = undefined;
  }
}

/** A stable string hash (Java's String.hashCode, made non-negative). */
function hashKey(key: string): number {
  let h = 0;
  for (let i = 0; i < key.length; i++) h = (Math.imul(31, h) + key.charCodeAt(i)) | 0;
  return Math.abs(h);
}
