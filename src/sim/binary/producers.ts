import type { PayloadSection } from "../../pulsar/binary/frame.js";
import {
  BaseCommand_Type as T,
  ServerError,
  type CommandCloseProducer,
  type CommandProducer,
  type CommandSend,
} from "../../pulsar/binary/generated/pulsar-api.js";
import { errorText } from "../../lib/errors.js";
import { fullName } from "../model/names.js";
import { RateWindow } from "../model/rates.js";
import type { Topic } from "../model/topic.js";
import { NO_REQUEST, type ConnectionContext } from "./context.js";
import { notOwnedHere, topicNameOrError } from "./lookup.js";

interface BinaryProducer {
  readonly topic: Topic;
  /** The model's process-unique id (topic stats), not the client's per-connection producer_id. */
  readonly modelId: number;
}

/**
 * The producers of one connection: PRODUCER attaches one to a topic (created if missing, as with
 * auto-creation), SEND publishes one entry per frame (a batch is one entry of num_messages), its
 * checksum verified when present: a mismatch answers SEND_ERROR ChecksumError and keeps the link.
 */
export class ProducerTable {
  private readonly byId = new Map<bigint, BinaryProducer>();

  constructor(private readonly cx: ConnectionContext) {}

  create(c: CommandProducer): void {
    const fail = (error: ServerError, message: string) =>
      this.cx.send({ type: T.ERROR, error: { request_id: c.request_id, error, message } });
    const name = topicNameOrError(c.topic);
    if (typeof name === "string") return fail(ServerError.InvalidTopicName, name);
    const { broker, authorizer, clock } = this.cx.deps;
    if (!authorizer.allowed(fullName(name), this.cx.role)) {
      return fail(
        ServerError.AuthorizationError,
        `${this.cx.role ?? "anonymous"} is not authorized to produce on ${fullName(name)}`,
      );
    }
    const notOwned = notOwnedHere(this.cx, name);
    if (notOwned !== undefined) return fail(ServerError.ServiceNotReady, notOwned);
    const producerName =
      c.producer_name !== undefined && c.producer_name !== "" ? c.producer_name : `sim-${broker.nextId()}`;
    const existing = this.byId.get(c.producer_id);
    if (existing === undefined) {
      let topics: Topic[];
      try {
        topics = broker.resolveOrCreate(name);
      } catch (err) {
        return fail(ServerError.TopicNotFound, errorText(err));
      }
      const topic = topics[0];
      if (topics.length !== 1 || topic === undefined) {
        return fail(
          ServerError.MetadataError,
          `${c.topic} is a partitioned topic: produce to its partitions`,
        );
      }
      const modelId = broker.nextId();
      topic.producers.set(modelId, {
        id: modelId,
        name: producerName,
        address: this.cx.address,
        connectedSince: clock.now(),
        clientVersion: this.cx.clientVersion,
        rateIn: new RateWindow(clock, broker.opts.statsWindowMs),
      });
      this.byId.set(c.producer_id, { topic, modelId });
    }
    this.cx.send({
      type: T.PRODUCER_SUCCESS,
      producer_success: {
        request_id: c.request_id,
        producer_name: producerName,
        last_sequence_id: -1n,
        producer_ready: true,
      },
    });
  }

  send(c: CommandSend, payload: PayloadSection | undefined): void {
    const p = this.byId.get(c.producer_id);
    if (!p) return this.cx.abort(`SEND for unknown producer ${c.producer_id}`);
    if (!payload) return this.cx.abort("SEND without a payload");
    if (payload.checksumOk === false) {
      this.cx.send({
        type: T.SEND_ERROR,
        send_error: {
          producer_id: c.producer_id,
          sequence_id: c.sequence_id,
          error: ServerError.ChecksumError,
          message: "Checksum failed on the broker",
        },
      });
      return;
    }
    let metadata;
    try {
      metadata = this.cx.deps.codec.decodeMetadata(payload.metadata);
    } catch (err) {
      return this.cx.abort(errorText(err));
    }
    const body = Buffer.from(payload.payload);
    const numMessages = c.num_messages ?? metadata.num_messages_in_batch ?? 1;
    const properties = Object.fromEntries((metadata.properties ?? []).map((kv) => [kv.key, kv.value]));
    const { entryId } = p.topic.publish({
      payload: body.toString("base64"),
      properties,
      ...(metadata.partition_key !== undefined ? { key: metadata.partition_key } : {}),
      ...(metadata.event_time !== undefined && metadata.event_time > 0n
        ? { eventTime: Number(metadata.event_time) }
        : {}),
      numMessages,
      raw: { metadata: Buffer.from(payload.metadata), payload: body, checksum: payload.checksumOk === true },
    });
    p.topic.producers.get(p.modelId)?.rateIn.record(numMessages, body.length);
    this.cx.send({
      type: T.SEND_RECEIPT,
      send_receipt: {
        producer_id: c.producer_id,
        sequence_id: c.sequence_id,
        highest_sequence_id: c.sequence_id + BigInt(Math.max(0, numMessages - 1)),
        message_id: {
          ledgerId: BigInt(p.topic.ledgerId),
          entryId: BigInt(entryId),
          ...(p.topic.partitionIndex >= 0 ? { partition: p.topic.partitionIndex } : {}),
        },
      },
    });
  }

  close(c: CommandCloseProducer): void {
    this.remove(c.producer_id);
    this.cx.send({ type: T.SUCCESS, success: { request_id: c.request_id } });
  }

  /** Broker-initiated close of the producers on `topics` (an unload). */
  closeOn(topics: ReadonlySet<string>): number {
    let n = 0;
    for (const [id, p] of [...this.byId]) {
      if (!topics.has(p.topic.fullName)) continue;
      this.remove(id);
      this.cx.send({ type: T.CLOSE_PRODUCER, close_producer: { producer_id: id, request_id: NO_REQUEST } });
      n++;
    }
    return n;
  }

  closeAll(): void {
    for (const id of [...this.byId.keys()]) this.remove(id);
  }

  private remove(id: bigint): void {
    const p = this.byId.get(id);
    if (!p) return;
    this.byId.delete(id);
    p.topic.producers.delete(p.modelId);
  }
}
