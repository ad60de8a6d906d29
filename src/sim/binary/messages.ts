import type { PayloadToSend, PulsarCodec } from "../../pulsar/binary/commands.js";
import {
  BaseCommand_Type as T,
  type Command,
  type MessageMetadata,
} from "../../pulsar/binary/generated/pulsar-api.js";
import type { Topic } from "../model/topic.js";
import type { Delivery, Entry } from "../model/types.js";

/** Clients before protocol v11 get MESSAGE frames without a checksum (Pulsar's rule). */
const CHECKSUM_SINCE_VERSION = 11;

/** Producer name in the metadata of entries published over admin, `/_sim` or WebSocket. */
export const NON_BINARY_PRODUCER = "simulator";

/** The MessageMetadata a broker would have stored for an entry that did not come over the binary protocol. */
export function metadataOf(e: Entry): MessageMetadata {
  const properties = Object.entries(e.properties).map(([key, value]) => ({ key, value }));
  return {
    producer_name: NON_BINARY_PRODUCER,
    sequence_id: BigInt(e.entryId),
    publish_time: BigInt(e.publishTime),
    ...(properties.length > 0 ? { properties } : {}),
    ...(e.key !== undefined ? { partition_key: e.key } : {}),
    ...(e.eventTime !== undefined ? { event_time: BigInt(e.eventTime) } : {}),
  };
}

/**
 * The MESSAGE frame of one delivery: a binary producer's entry forwarded as stored (checksum only
 * if it came with one), any other entry with metadata built from the model and a checksum.
 */
export function messageFrame(
  codec: PulsarCodec,
  topic: Topic,
  consumerId: bigint,
  d: Delivery,
  protocolVersion: number,
): { command: Command; payload: PayloadToSend } {
  const e = d.entry;
  const checksumOk = protocolVersion >= CHECKSUM_SINCE_VERSION;
  const payload: PayloadToSend = e.raw
    ? { metadata: e.raw.metadata, payload: e.raw.payload, checksum: e.raw.checksum && checksumOk }
    : {
        metadata: codec.encodeMetadata(metadataOf(e)),
        payload: Buffer.from(e.payload, "base64"),
        checksum: checksumOk,
      };
  const command: Command = {
    type: T.MESSAGE,
    message: {
      consumer_id: consumerId,
      message_id: {
        ledgerId: BigInt(topic.ledgerId),
        entryId: BigInt(e.entryId),
        ...(topic.partitionIndex >= 0 ? { partition: topic.partitionIndex } : {}),
      },
      ...(d.redeliveryCount > 0 ? { redelivery_count: d.redeliveryCount } : {}),
    },
  };
  return { command, payload };
}
