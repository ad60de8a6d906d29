/**
 * A binary producer's entry as it came: its MessageMetadata bytes and payload, forwarded unchanged
 * in MESSAGE frames, with a checksum only if the producer sent one (a broker forwards as stored).
 */
export interface RawEntry {
  readonly metadata: Uint8Array;
  readonly payload: Uint8Array;
  readonly checksum: boolean;
}

/** One stored entry: one message, or a binary producer's batch (`numMessages` > 1), never split. */
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
}

/** Where a subscription hands messages to a connected consumer (a WebSocket session). */
export interface ConsumerSink {
  deliver(d: Delivery): void;
}

/** Delivery permits of a consumer; may be shared by the per-partition consumers of one session. */
export interface Flow {
  available(): number;
  /** One entry handed out; a binary consumer pays its message count (permits may go negative). */
  take(entry: Entry): void;
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
