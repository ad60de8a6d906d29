import type { ScaledObjectId, TriggerSpec } from "./trigger.js";

/**
 * What the KEDA service reads. Handlers only read this: no Pulsar I/O on KEDA's request path.
 * Implemented by WatchEngine (the hub and the standalone sidecar) and by a
 * hand-written fake in tests.
 *
 * Errors: NoFreshDataError -> UNAVAILABLE (stale, polls failing past the error grace, or a topic
 * or subscription Pulsar says does not exist), CapacityError -> RESOURCE_EXHAUSTED
 * (src/state/errors.ts), TopicKindError -> INVALID_ARGUMENT (a trigger's isPartitionedTopic that
 * Pulsar contradicts; src/watch/topic-kind.ts).
 */
export interface StateReader {
  /**
   * The trigger's metric from the key's newest fresh observation. Records the ScaledObject's
   * interest in the key (a new key starts being watched). For a key never observed, waits for the
   * first observation up to the first-read bound (or a 404), then rejects with NoFreshDataError.
   */
  metricValue(so: ScaledObjectId, trigger: TriggerSpec): Promise<number>;
  /** The key's activation under the trigger's rule; same rules as metricValue. */
  isActive(so: ScaledObjectId, trigger: TriggerSpec): Promise<boolean>;
  /**
   * Calls `onActive` once at once if the key is active now under the trigger's rule, then once on
   * each inactive-to-active (or unknown-to-active) edge. Records interest like metricValue.
   * Returns the unsubscribe function. Throws CapacityError when the key table is full.
   */
  watchActivation(so: ScaledObjectId, trigger: TriggerSpec, onActive: () => void): () => void;
  /**
   * Readiness: true when no key is in use, or while at least one key in use has a fresh
   * observation (all stale means this replica lost Pulsar; one broken trigger must not take the
   * whole hub out of its Service).
   */
  ready(): boolean;
}
