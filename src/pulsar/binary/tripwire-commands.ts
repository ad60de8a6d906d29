import { randomBytes } from "node:crypto";
import {
  BaseCommand_Type as T,
  type Command,
  CommandSubscribe_InitialPosition,
  CommandSubscribe_SubType,
} from "./generated/pulsar-api.js";
import type { BrokerTarget } from "./lookup.js";
import { parseServiceUrl } from "./service-url.js";

/** MessageId.latest: ledger and entry 2^63-1, exact (a rounded 2^63 is negative: the whole topic). */
export const LATEST = 2n ** 63n - 1n;

/** `pps-tripwire-` + 10 hex: new for every subscribe, so never a durable subscription's name and never busy. */
export function tripwireSubscriptionName(): string {
  return `pps-tripwire-${randomBytes(5).toString("hex")}`;
}

/**
 * The tripwire's SUBSCRIBE (PULSAR-BINARY.md §6): Exclusive, non-durable (it goes with its
 * consumer), from latest, and never creating the topic (force_topic_creation defaults to true).
 */
export function subscribeFromLatest(topic: string, consumerId: bigint, requestId: bigint): Command {
  return {
    type: T.SUBSCRIBE,
    subscribe: {
      topic,
      subscription: tripwireSubscriptionName(),
      subType: CommandSubscribe_SubType.Exclusive,
      consumer_id: consumerId,
      request_id: requestId,
      durable: false,
      start_message_id: { ledgerId: LATEST, entryId: LATEST },
      initialPosition: CommandSubscribe_InitialPosition.Latest,
      force_topic_creation: false,
    },
  };
}

export function closeConsumer(consumerId: bigint, requestId: bigint): Command {
  return { type: T.CLOSE_CONSUMER, close_consumer: { consumer_id: consumerId, request_id: requestId } };
}

/** Where to go for an assigned broker URL: itself, or the proxy at `proxyUrl` forwarding to it. */
export function assigned(url: string, proxyUrl: string | undefined): BrokerTarget | undefined {
  try {
    const broker = parseServiceUrl(url);
    return proxyUrl === undefined ? { url: broker.url } : { url: proxyUrl, proxyToBroker: broker.hostPort };
  } catch {
    return undefined; // not a URL we can use: look up instead
  }
}
