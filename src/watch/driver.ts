import type { TopicName } from "../pulsar/topic-name.js";
import type { WatchKey } from "../state/key.js";

/** What the first trigger seen for a key says about its topic. */
export interface WatchHint {
  /** The trigger's isPartitionedTopic (undefined = auto-detect). */
  readonly partitioned?: boolean | undefined;
  /** The parsed topic, when the caller has it (else parsed from key.topic). */
  readonly topic?: TopicName | undefined;
}

/**
 * Starts and stops the watching of keys for the engine (given by `engine.attach`, and reporting
 * into `engine.ingest`). LocalWatchDriver runs a Watcher per key in this process; the hub plugs in
 * the lease coordinator (sidecar or hub watches). Both must be idempotent per key.
 */
export interface WatchDriver {
  start(key: WatchKey, hint: WatchHint): void;
  stop(key: WatchKey): void;
  /** A read found the key's observation old: poll it soon if watched here (optional). */
  refresh?(key: WatchKey): void;
  /** Stops everything (shutdown). */
  close?(): Promise<void>;
}
