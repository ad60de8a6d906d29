/** One message of a batch entry. */
export interface BatchedMessage {
  /** base64 payload exactly as the producer sent it. */
  readonly payload: string;
  readonly size: number;
  readonly properties: Readonly<Record<string, string>>;
  readonly key?: string;
  readonly eventTime?: number;
}

/**
 * A binary producer's entry as it came: its MessageMetadata bytes and payload, forwarded unchanged
 * in MESSAGE frames, with a checksum only if the producer sent one (a broker forwards as stored).
 */
export interface RawEntry {
  readonly metadata: Uint8Array;
  readonly payload: Uint8Array;
  readonly checksum: boolean;
}

/**
 * One stored entry: a single message, a WebSocket producer's batch (`batch`), or a binary
 * producer's batch (`numMessages` > 1, kept as `raw`). As in Pulsar, a batch is one entry of the
 * log (msgBacklog counts entries) and its messages have ids with batch indexes; a single message's
 * fields are then those of the first. `messagesIn` gives the message count of any of them.
 */
export interface Entry {
  readonly entryId: number;
  /** base64 payload exactly as the producer sent it. */
  readonly payload: string;
  /** Decoded payload size in bytes. */
  readonly size: number;
  readonly properties: Readonly<Record<string, string>>;
  readonly key?: string;
  readonly publishTime: number;
  readonly eventTime?: number;
  /** Epoch ms before which Shared/Key_Shared subscriptions do not deliver it. */
  readonly deliverAt?: number;
  /** The messages of a batch entry (absent for a single message). */
  readonly batch?: readonly BatchedMessage[];
  /** Messages in the entry (MessageMetadata.num_messages_in_batch); absent = 1. */
  readonly numMessages?: number;
  /** Set when a binary producer published it. */
  readonly raw?: RawEntry;
}

export type SubscriptionType = "Exclusive" | "Shared" | "Failover" | "Key_Shared";

export const SUBSCRIPTION_TYPES: readonly SubscriptionType[] = [
  "Exclusive",
  "Shared",
  "Failover",
  "Key_Shared",
];

export interface Delivery {
  readonly entry: Entry;
  readonly messageId: string;
  readonly redeliveryCount: number;
  /** A batch entry: the id of each of its messages (batch index and size in them). */
  readonly batchIds?: readonly string[];
}

/** Where a subscription hands messages to a connected consumer (a WebSocket session). */
export interface ConsumerSink {
  deliver(d: Delivery): void;
}

/** Delivery permits of a consumer; may be shared by the per-partition consumers of one session. */
export interface Flow {
  available(): number;
  /** One entry handed out, carrying `count` messages (a batch takes as many permits as it holds). */
  take(count?: number): void;
}

export interface ConsumerInit {
  readonly name: string;
  readonly address: string;
  readonly clientVersion: string;
  readonly priorityLevel: number;
  readonly flow: Flow;
  readonly sink: ConsumerSink;
  /** Readers: the cursor moves as messages are handed out (the Java reader acks cumulatively). */
  readonly autoAck: boolean;
}

export interface MessageInput {
  readonly payload: string;
  readonly properties?: Readonly<Record<string, string>>;
  readonly key?: string;
  readonly eventTime?: number;
  readonly deliverAt?: number;
  readonly numMessages?: number;
  readonly raw?: RawEntry;
}

/** Where a new subscription starts: at the end of the topic, at its start, or after an entry. */
export type StartPosition = "latest" | "earliest" | { readonly afterEntryId: number };

/** Messages an entry holds (a batch's size; 1 for a single message): what permits and counters pay. */
export function messagesIn(entry: Entry): number {
  return entry.batch?.length ?? entry.numMessages ?? 1;
}
