import type { ArrivalEvent, TopicSnapshot } from "./snapshot.js";
import type { TopicName } from "./topic-name.js";

/** Optional, costly parts of a stats read. */
export interface StatsRead {
  /**
   * `getEarliestTimeInBacklog=true`: the broker reads the first backlog entry of every
   * subscription (a ledger read each) to report `earliestMsgPublishTimeInBacklog`.
   */
  readonly earliestTimeInBacklog?: boolean;
}

/**
 * What the watcher needs from Pulsar. The real implementations are the admin client and the
 * WebSocket arrival stream of this folder; tests use hand-written fakes of these interfaces.
 */
export interface StatsReader {
  /**
   * Stats of a topic. `partitioned: true` reads `partitioned-stats?perPartition=true` (all partitions or an error), `false`
   * reads `stats`, `undefined` auto-detects with `/partitions` (cached). Rejects with a PulsarError.
   */
  topicStats(topic: TopicName, partitioned?: boolean, read?: StatsRead): Promise<TopicSnapshot>;
}

/**
 * `connected` means armed: subscribed from `latest` with one permit outstanding. It is said after
 * every (re)subscribe, reconnect, unload recovery and re-arm, so the watcher polls once after it (a
 * message published while the tripwire was not armed is seen by that poll).
 */
export type ArrivalStatus =
  | { readonly kind: "connected"; readonly topic: TopicName; readonly partition: number }
  | { readonly kind: "disconnected"; readonly error: Error; readonly retryInMs: number }
  /** The WebSocket service is off: said once; the watcher relies on polling alone. */
  | { readonly kind: "unavailable"; readonly error: Error };

export interface ArrivalSubscription {
  /** Arms the tripwire again from `latest` on every partition whose tripwire has fired (no-op for
   *  partitions still armed). Each re-armed partition reports `connected` once armed again. */
  rearm(): void;
  close(): Promise<void>;
}

export interface ArrivalSource {
  /**
   * Arms a tripwire from `latest` on the topic (one per partition when partitions > 0),
   * reconnecting with backoff until closed. Calls onArrival for each message delivered: a
   * tripwire delivers the one that fires it, then nothing from that partition until `rearm()`.
   */
  subscribe(
    topic: TopicName,
    partitions: number,
    onArrival: (e: ArrivalEvent) => void,
    onStatus: (s: ArrivalStatus) => void,
  ): ArrivalSubscription;
}
