import { randomBytes } from "node:crypto";
import type { Duplex } from "node:stream";
import type { TimerHandle } from "../../lib/clock.js";
import { javaIsoTime } from "../java-time.js";
import { decodeMessageId } from "../model/message-id.js";
import type { Subscription } from "../model/subscription.js";
import type { Topic } from "../model/topic.js";
import type { Delivery, Flow, StartPosition, SubscriptionType } from "../model/types.js";
import { PulsarCloseCode, Session, type SessionDeps } from "./session.js";

export interface ConsumerParams {
  /** One topic, or every partition when connected to a partitioned topic's base name. */
  readonly topics: readonly Topic[];
  readonly subscription: string;
  readonly type: SubscriptionType;
  /** Max unacknowledged frames in flight (push mode). */
  readonly maxPending: number;
  readonly pullMode: boolean;
  readonly consumerName: string;
  readonly priorityLevel: number;
  readonly nackDelayMs: number;
  /** Where a new subscription (or a reader) starts, per topic. */
  readonly start: (topic: Topic) => StartPosition;
  /** Readers: non-durable `reader-<10 hex>` subscription, acks only free a permit. */
  readonly reader: boolean;
  /** `subscriptionMode=NonDurable` (readers are always non-durable). */
  readonly durable: boolean;
}

export const CLIENT_VERSION = "Pulsar-Java-v4.1.0";

export function randomHex(n: number): string {
  return randomBytes(Math.ceil(n / 2))
    .toString("hex")
    .slice(0, n);
}

interface Attached {
  readonly topic: Topic;
  readonly sub: Subscription;
  readonly consumerId: number;
}

/**
 * A WebSocket consumer or reader. Push mode: at most `maxPending` frames are outstanding; each
 * ack or nack frees one. Pull mode: `{"type":"permit"}` frames grant deliveries.
 */
export class ConsumerSession extends Session {
  private outstanding = 0;
  private permits = 0;
  private attached: Attached[] = [];
  private readonly nackTimers = new Set<TimerHandle>();
  private readonly flow: Flow = {
    available: () => {
      if (!this.isOpen || this.isFrozen) return 0;
      return this.p.pullMode ? this.permits : this.p.maxPending - this.outstanding;
    },
    take: () => {
      if (this.p.pullMode) this.permits--;
      else this.outstanding++;
    },
  };

  constructor(
    deps: SessionDeps,
    socket: Duplex,
    address: string,
    private readonly p: ConsumerParams,
  ) {
    super(deps, socket, address);
  }

  /** Before the upgrade: a busy Exclusive subscription answers 409. */
  check(): void {
    if (!this.p.reader) {
      for (const t of this.p.topics) t.checkSubscribe(this.p.subscription, this.p.type, this.p.durable);
    }
  }

  protected open(): void {
    const init = {
      name: this.p.consumerName,
      address: this.address,
      clientVersion: CLIENT_VERSION,
      priorityLevel: this.p.priorityLevel,
      flow: this.flow,
      sink: { deliver: (d: Delivery) => this.deliver(d) },
      autoAck: this.p.reader,
    };
    try {
      for (const topic of this.p.topics) {
        const consumerId = this.deps.broker.nextId();
        const sub = topic.subscribe(
          this.p.subscription,
          this.p.type,
          this.p.durable,
          this.p.start(topic),
          consumerId,
          init,
        );
        this.attached.push({ topic, sub, consumerId });
      }
    } catch (err) {
      this.deps.logger.info({ err, subscription: this.p.subscription }, "subscribe failed after upgrade");
      this.closeWithCode(2, "Failed to subscribe");
    }
  }

  private deliver(d: Delivery): void {
    const e = d.entry;
    this.send({
      messageId: d.messageId,
      payload: e.payload,
      properties: e.properties,
      publishTime: javaIsoTime(e.publishTime),
      ...(e.eventTime !== undefined ? { eventTime: javaIsoTime(e.eventTime) } : {}),
      redeliveryCount: d.redeliveryCount,
      ...(e.key !== undefined ? { key: e.key } : {}),
    });
  }

  protected onText(text: string): void {
    let cmd: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== "object" || parsed === null) throw new TypeError("not an object");
      cmd = parsed as Record<string, unknown>;
    } catch {
      return this.closeWithCode(
        PulsarCloseCode.FailedToDeserializeFromJSON,
        "Failed to de-serialize from JSON",
      );
    }
    switch (cmd["type"]) {
      case "permit":
        if (typeof cmd["permitMessages"] !== "number") {
          return this.closeWithCode(
            PulsarCloseCode.FailedToDeserializeFromJSON,
            "Failed to de-serialize from JSON",
          );
        }
        if (this.p.pullMode) this.permits += cmd["permitMessages"];
        return this.dispatch();
      case "unsubscribe":
        if (this.p.reader) return;
        for (const a of this.attached) {
          if (a.sub.consumers.size === 1) {
            a.topic.unsubscribe(a.consumerId, this.p.subscription);
            a.topic.deleteSubscription(this.p.subscription);
          }
        }
        this.attached = [];
        return;
      case "isEndOfTopic":
        return this.send({ endOfTopic: false });
      case "negativeAcknowledge":
        return this.onAck(cmd["messageId"], true);
      default:
        return this.onAck(cmd["messageId"], false);
    }
  }

  private onAck(raw: unknown, negative: boolean): void {
    let id;
    try {
      id = decodeMessageId(raw as string);
    } catch {
      return this.closeWithCode(
        PulsarCloseCode.FailedToDeserializeFromJSON,
        "Failed to de-serialize from JSON",
      );
    }
    const target =
      this.attached.length === 1
        ? this.attached[0]
        : this.attached.find((a) => a.topic.partitionIndex === id.partition);
    if (target && target.topic.ledgerId === id.ledgerId && !this.p.reader) {
      if (negative) this.scheduleRedelivery(target.sub, id.entryId);
      else target.sub.ack(id.entryId);
    }
    if (!this.p.pullMode) this.outstanding = Math.max(0, this.outstanding - 1);
    this.dispatch();
  }

  /** The Java client inside the WebSocket service asks for redelivery after negativeAckRedeliveryDelay. */
  private scheduleRedelivery(sub: Subscription, entryId: number): void {
    const handle = this.deps.clock.setTimeout(() => {
      this.nackTimers.delete(handle);
      sub.redeliver([entryId]);
    }, this.p.nackDelayMs);
    this.nackTimers.add(handle);
  }

  private dispatch(): void {
    for (const a of this.attached) a.sub.dispatch();
  }

  protected override onThaw(): void {
    this.dispatch();
  }

  protected cleanup(): void {
    for (const h of this.nackTimers) this.deps.clock.clearTimeout(h);
    this.nackTimers.clear();
    for (const a of this.attached) a.topic.unsubscribe(a.consumerId, this.p.subscription);
    this.attached = [];
  }
}
