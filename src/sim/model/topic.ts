import type { Clock } from "../../lib/clock.js";
import { SimConflictError, SimNotAllowedError } from "../errors.js";
import { encodeMessageId } from "./message-id.js";
import { fullName, type TopicName } from "./names.js";
import { RateWindow } from "./rates.js";
import { Subscription, type EntryLog } from "./subscription.js";
import type { ConsumerInit, Entry, MessageInput, StartPosition, SubscriptionType } from "./types.js";

export interface ProducerInfo {
  readonly id: number;
  readonly name: string;
  readonly address: string;
  readonly connectedSince: number;
  readonly clientVersion: string;
  readonly rateIn: RateWindow;
}

export interface TopicDeps {
  readonly clock: Clock;
  readonly windowMs: number;
  readonly ledgerId: number;
  /** -1 unless the topic is partition N of a partitioned topic. */
  readonly partitionIndex: number;
}

/** Entries acknowledged by every subscription are dropped in chunks (no retention, like Pulsar's default). */
const TRIM_CHUNK = 1024;

/** One topic or one partition: its log, subscriptions, producers and counters. */
export class Topic implements EntryLog {
  readonly fullName: string;
  readonly persistent: boolean;
  readonly subscriptions = new Map<string, Subscription>();
  readonly producers = new Map<number, ProducerInfo>();
  readonly createdAt: number;
  readonly rateIn: RateWindow;
  msgInCounter = 0;
  bytesInCounter = 0;
  lastPublishTimeStamp = 0;
  /** Bytes still stored (published minus trimmed). */
  storageSize = 0;
  /** Dispatch counters of subscriptions that were removed (topic counters never go down). */
  removedOut = { msgs: 0, bytes: 0 };
  private entries: Entry[] = [];
  private firstRetained = 0;
  private nextEntryId = 0;
  private readonly delayed = new Set<number>();

  constructor(
    readonly name: TopicName,
    private readonly deps: TopicDeps,
  ) {
    this.fullName = fullName(name);
    this.persistent = name.domain === "persistent";
    this.createdAt = deps.clock.now();
    this.rateIn = new RateWindow(deps.clock, deps.windowMs);
  }

  get partitionIndex(): number {
    return this.deps.partitionIndex;
  }

  get ledgerId(): number {
    return this.deps.ledgerId;
  }

  end(): number {
    return this.nextEntryId;
  }

  firstId(): number {
    return this.firstRetained;
  }

  get(entryId: number): Entry | undefined {
    return this.entries[entryId - this.firstRetained];
  }

  messageId(entryId: number): string {
    return encodeMessageId({
      ledgerId: this.deps.ledgerId,
      entryId,
      partition: this.deps.partitionIndex,
      batchIndex: -1,
    });
  }

  delayedIds(): ReadonlySet<number> {
    const now = this.deps.clock.now();
    for (const id of this.delayed) {
      const e = this.get(id);
      if (!e || (e.deliverAt ?? 0) <= now) this.delayed.delete(id);
    }
    return this.delayed;
  }

  publish(input: MessageInput): { entryId: number; messageId: string } {
    const now = this.deps.clock.now();
    const entryId = this.nextEntryId++;
    const size = Buffer.byteLength(input.payload, "base64");
    const entry: Entry = {
      entryId,
      payload: input.payload,
      size,
      properties: input.properties ?? {},
      publishTime: now,
      ...(input.key !== undefined ? { key: input.key } : {}),
      ...(input.eventTime !== undefined ? { eventTime: input.eventTime } : {}),
      ...(input.deliverAt !== undefined && input.deliverAt > now ? { deliverAt: input.deliverAt } : {}),
      ...(input.numMessages !== undefined && input.numMessages !== 1
        ? { numMessages: input.numMessages }
        : {}),
      ...(input.raw !== undefined ? { raw: input.raw } : {}),
    };
    // Pulsar counts messages in, not entries: a batch adds its message count.
    this.msgInCounter += input.numMessages ?? 1;
    this.bytesInCounter += size;
    this.lastPublishTimeStamp = now;
    this.rateIn.record(input.numMessages ?? 1, size);
    if (this.persistent) {
      this.entries.push(entry);
      this.storageSize += size;
      if (entry.deliverAt !== undefined) this.delayed.add(entryId);
    }
    for (const sub of this.subscriptions.values()) sub.onPublish(entry);
    this.trim();
    return { entryId, messageId: this.messageId(entryId) };
  }

  /**
   * Finds or creates a subscription; a connected subscription of another type is busy (409), one of
   * the other durability is not allowed. A non-durable one (`durable` false: readers, the
   * tripwire, `subscriptionMode=NonDurable`) lives while it has a consumer: the last one leaving
   * through `unsubscribe` deletes it.
   */
  subscription(name: string, type: SubscriptionType, durable: boolean, start: StartPosition): Subscription {
    const existing = this.subscriptions.get(name);
    if (existing) {
      checkDurability(existing, durable);
      if (existing.consumers.size > 0 && existing.type !== type) {
        throw new SimConflictError(`Subscription is of different type`);
      }
      existing.type = type;
      return existing;
    }
    const sub = new Subscription(name, type, durable, this, start, this.deps.clock, this.deps.windowMs);
    this.subscriptions.set(name, sub);
    return sub;
  }

  /** Adds a consumer, enforcing Exclusive (409 "Exclusive consumer is already connected"). */
  subscribe(
    name: string,
    type: SubscriptionType,
    durable: boolean,
    start: StartPosition,
    consumerId: number,
    init: ConsumerInit,
  ): Subscription {
    this.checkSubscribe(name, type, durable);
    const sub = this.subscription(name, type, durable, start);
    sub.addConsumer(consumerId, init);
    return sub;
  }

  /** What `subscribe` would refuse, checked before a WebSocket upgrade or a binary SUBSCRIBE. */
  checkSubscribe(name: string, type: SubscriptionType, durable: boolean): void {
    const sub = this.subscriptions.get(name);
    if (sub) checkDurability(sub, durable);
    if (!sub || sub.consumers.size === 0) return;
    if (sub.type !== type) throw new SimConflictError("Subscription is of different type");
    if (type === "Exclusive") throw new SimConflictError("Exclusive consumer is already connected");
  }

  unsubscribe(consumerId: number, subName: string): void {
    const sub = this.subscriptions.get(subName);
    if (!sub) return;
    sub.removeConsumer(consumerId);
    if (!sub.durable && sub.consumers.size === 0) this.deleteSubscription(subName);
  }

  deleteSubscription(name: string): boolean {
    const sub = this.subscriptions.get(name);
    if (!sub) return false;
    sub.close();
    this.removedOut.msgs += sub.msgOutCounter;
    this.removedOut.bytes += sub.bytesOutCounter;
    this.subscriptions.delete(name);
    return true;
  }

  /** Bytes between the slowest durable cursor and the end (Pulsar's estimated backlog size). */
  backlogSize(): number {
    let max = 0;
    for (const s of this.subscriptions.values()) if (s.durable) max = Math.max(max, s.backlogBytes);
    return max;
  }

  close(): void {
    for (const s of this.subscriptions.values()) s.close();
  }

  private trim(): void {
    if (!this.persistent || this.subscriptions.size === 0) return;
    let min = this.nextEntryId;
    for (const s of this.subscriptions.values()) min = Math.min(min, s.markDelete);
    const drop = min - this.firstRetained;
    if (drop < TRIM_CHUNK) return;
    for (const e of this.entries.slice(0, drop)) this.storageSize -= e.size;
    this.entries = this.entries.slice(drop);
    this.firstRetained = min;
  }
}

/** PersistentTopic refuses to open a subscription under the name of one of the other durability. */
function checkDurability(existing: Subscription, durable: boolean): void {
  if (existing.durable === durable) return;
  throw new SimNotAllowedError(
    existing.durable
      ? "Durable subscription with the same name already exists."
      : "NonDurable subscription with the same name already exists.",
  );
}
