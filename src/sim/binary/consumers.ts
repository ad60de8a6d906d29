import { errorText } from "../../lib/errors.js";
import {
  BaseCommand_Type as T,
  CommandAck_AckType,
  CommandSubscribe_InitialPosition,
  ServerError,
  type CommandAck,
  type CommandCloseConsumer,
  type CommandFlow,
  type CommandRedeliverUnacknowledgedMessages,
  type CommandSubscribe,
  type CommandUnsubscribe,
  type MessageIdData,
} from "../../pulsar/binary/generated/pulsar-api.js";
import { SimConflictError, SimNotAllowedError } from "../errors.js";
import { fullName, type TopicName } from "../model/names.js";
import type { Subscription } from "../model/subscription.js";
import type { Topic } from "../model/topic.js";
import { SUBSCRIPTION_TYPES, type Delivery, type StartPosition } from "../model/types.js";
import { NO_REQUEST, type ConnectionContext } from "./context.js";
import { notOwnedHere, topicNameOrError } from "./lookup.js";
import { messageFrame } from "./messages.js";

const MAX_LONG = (1n << 63n) - 1n;

interface BinaryConsumer {
  readonly id: bigint;
  readonly topic: Topic;
  readonly sub: Subscription;
  /** The model's process-unique consumer id (stats), not the client's per-connection consumer_id. */
  readonly modelId: number;
  /** FLOW permits left; a batch costs its message count, so this may go negative. */
  permits: number;
}

/**
 * Where a new subscription starts, as Pulsar decides it: a durable one from initialPosition; a
 * non-durable one from start_message_id when it lies inside the topic (that entry comes again),
 * from initialPosition when it lies past the end (MessageId.latest = 2^63-1:2^63-1), and from the
 * first entry when it reads as a negative long (any u64 >= 2^63, e.g. -1:-1 = earliest).
 */
export function startPosition(c: CommandSubscribe, topic: Topic): StartPosition {
  const initial = c.initialPosition === CommandSubscribe_InitialPosition.Earliest ? "earliest" : "latest";
  const id = c.start_message_id;
  if (c.durable !== false || id === undefined) return initial;
  if (id.ledgerId > MAX_LONG || id.entryId > MAX_LONG) return "earliest";
  const ledger = BigInt(topic.ledgerId);
  if (id.ledgerId < ledger) return "earliest";
  if (id.ledgerId > ledger || id.entryId >= BigInt(topic.end())) return initial;
  return { afterEntryId: Number(id.entryId) - 1 };
}

/**
 * The consumers of one connection: SUBSCRIBE (durable or not), FLOW permits, MESSAGE frames as
 * the model dispatches, ACK, redelivery, CLOSE_CONSUMER both ways and UNSUBSCRIBE.
 */
export class ConsumerTable {
  private readonly byId = new Map<bigint, BinaryConsumer>();

  constructor(private readonly cx: ConnectionContext) {}

  subscribe(c: CommandSubscribe): void {
    const fail = (error: ServerError, message: string) =>
      this.cx.send({ type: T.ERROR, error: { request_id: c.request_id, error, message } });
    const success = () => this.cx.send({ type: T.SUCCESS, success: { request_id: c.request_id } });
    if (this.byId.has(c.consumer_id)) return success();
    const name = topicNameOrError(c.topic);
    if (typeof name === "string") return fail(ServerError.InvalidTopicName, name);
    const topic = this.topicFor(name, c.force_topic_creation !== false, fail);
    if (!topic) return;
    const type = SUBSCRIPTION_TYPES[c.subType];
    if (type === undefined) return fail(ServerError.MetadataError, `unknown subscription type ${c.subType}`);
    const durable = c.durable !== false;
    const modelId = this.cx.deps.broker.nextId();
    const record = { id: c.consumer_id, topic, modelId, permits: 0 };
    try {
      const sub = topic.subscribe(c.subscription, type, durable, startPosition(c, topic), modelId, {
        name: c.consumer_name ?? "",
        address: this.cx.address,
        clientVersion: this.cx.clientVersion,
        priorityLevel: c.priority_level ?? 0,
        autoAck: false,
        flow: {
          available: () => (this.cx.isClosed || this.cx.isFrozen ? 0 : record.permits),
          take: (entry) => {
            record.permits -= entry.numMessages ?? 1;
          },
        },
        sink: { deliver: (d: Delivery) => this.deliver(c.consumer_id, topic, d) },
      });
      this.byId.set(c.consumer_id, Object.assign(record, { sub }));
    } catch (err) {
      if (err instanceof SimConflictError) return fail(ServerError.ConsumerBusy, err.reason);
      if (err instanceof SimNotAllowedError) return fail(ServerError.NotAllowedError, err.reason);
      return fail(ServerError.UnknownError, errorText(err));
    }
    success();
  }

  flow(c: CommandFlow): void {
    const consumer = this.byId.get(c.consumer_id);
    if (!consumer) return;
    consumer.permits += c.messagePermits;
    consumer.sub.dispatch();
  }

  ack(c: CommandAck): void {
    const consumer = this.byId.get(c.consumer_id);
    if (consumer) {
      for (const id of this.entryIds(consumer, c.message_id ?? [])) {
        if (c.ack_type === CommandAck_AckType.Cumulative) consumer.sub.ackCumulative(id);
        else consumer.sub.ack(id);
      }
    }
    if (c.request_id !== undefined) {
      this.cx.send({
        type: T.ACK_RESPONSE,
        ackResponse: { consumer_id: c.consumer_id, request_id: c.request_id },
      });
    }
  }

  redeliver(c: CommandRedeliverUnacknowledgedMessages): void {
    const consumer = this.byId.get(c.consumer_id);
    if (!consumer) return;
    const ids =
      c.message_ids !== undefined && c.message_ids.length > 0
        ? this.entryIds(consumer, c.message_ids)
        : [...(consumer.sub.consumers.get(consumer.modelId)?.unacked ?? [])];
    consumer.sub.redeliver(ids);
  }

  close(c: CommandCloseConsumer): void {
    this.remove(c.consumer_id);
    this.cx.send({ type: T.SUCCESS, success: { request_id: c.request_id } });
  }

  unsubscribe(c: CommandUnsubscribe): void {
    const consumer = this.byId.get(c.consumer_id);
    if (consumer && consumer.sub.consumers.size > 1 && c.force !== true) {
      this.cx.send({
        type: T.ERROR,
        error: {
          request_id: c.request_id,
          error: ServerError.ConsumerBusy,
          message: "Subscription has active consumers",
        },
      });
      return;
    }
    if (consumer) {
      this.remove(c.consumer_id);
      consumer.topic.deleteSubscription(consumer.sub.name);
    }
    this.cx.send({ type: T.SUCCESS, success: { request_id: c.request_id } });
  }

  /** Broker-initiated close (an unload): CLOSE_CONSUMER with request_id 2^64-1; the link stays. */
  closeOn(topics: ReadonlySet<string>): number {
    let n = 0;
    for (const [id, consumer] of [...this.byId]) {
      if (!topics.has(consumer.topic.fullName)) continue;
      this.remove(id);
      // Clients before protocol v5 know no CLOSE_CONSUMER: the broker closes their connection.
      if (this.cx.protocolVersion < 5) this.cx.abort("unload: client too old for CLOSE_CONSUMER");
      else
        this.cx.send({ type: T.CLOSE_CONSUMER, close_consumer: { consumer_id: id, request_id: NO_REQUEST } });
      n++;
    }
    return n;
  }

  /** After a hang ends: hand out what queued meanwhile. */
  dispatchAll(): void {
    for (const c of this.byId.values()) c.sub.dispatch();
  }

  closeAll(): void {
    for (const id of [...this.byId.keys()]) this.remove(id);
  }

  private remove(id: bigint): void {
    const consumer = this.byId.get(id);
    if (!consumer) return;
    this.byId.delete(id);
    consumer.topic.unsubscribe(consumer.modelId, consumer.sub.name);
  }

  private deliver(consumerId: bigint, topic: Topic, d: Delivery): void {
    const { command, payload } = messageFrame(
      this.cx.deps.codec,
      topic,
      consumerId,
      d,
      this.cx.protocolVersion,
    );
    this.cx.send(command, payload);
  }

  private entryIds(consumer: BinaryConsumer, ids: readonly MessageIdData[]): number[] {
    const ledger = BigInt(consumer.topic.ledgerId);
    return ids.filter((m) => m.ledgerId === ledger).map((m) => Number(m.entryId));
  }

  /** The topic to attach to: it must be owned here, authorized, and exist or be creatable. */
  private topicFor(
    name: TopicName,
    create: boolean,
    fail: (error: ServerError, message: string) => void,
  ): Topic | undefined {
    const { broker, authorizer } = this.cx.deps;
    if (!authorizer.allowed(fullName(name), this.cx.role)) {
      fail(
        ServerError.AuthorizationError,
        `${this.cx.role ?? "anonymous"} is not authorized to consume ${fullName(name)}`,
      );
      return undefined;
    }
    const notOwned = notOwnedHere(this.cx, name);
    if (notOwned !== undefined) {
      fail(ServerError.ServiceNotReady, notOwned);
      return undefined;
    }
    const partitions = broker.hasNamespace(name.tenant, name.namespace)
      ? broker.partitionCount(name)
      : undefined;
    if (partitions === undefined && !create) {
      fail(ServerError.TopicNotFound, `Topic ${fullName(name)} does not exist`);
      return undefined;
    }
    if (partitions !== undefined && partitions > 0) {
      fail(
        ServerError.MetadataError,
        `${fullName(name)} is a partitioned topic: subscribe to its partitions`,
      );
      return undefined;
    }
    try {
      return broker.resolveOrCreate(name)[0];
    } catch (err) {
      fail(ServerError.TopicNotFound, errorText(err));
      return undefined;
    }
  }
}
