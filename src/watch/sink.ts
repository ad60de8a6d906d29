import type { ArrivalStatus } from "../pulsar/ports.js";
import type { ArrivalEvent } from "../pulsar/snapshot.js";
import type { ErrorLike } from "../state/key-state.js";
import type { WatchKey } from "../state/key.js";
import type { Observation } from "../state/observation.js";

/**
 * Where a watcher's output goes: the engine's `ingest` (hub, standalone sidecar) or the sidecar's
 * uplink to the hub. A watcher reports facts; it never decides activation.
 */
export interface WatchSink {
  observation(key: WatchKey, obs: Observation): void;
  /** Only the receive time of an arrival is read (a sidecar's arrival frame carries nothing else). */
  arrival(key: WatchKey, e: Pick<ArrivalEvent, "receivedAt">): void;
  /** A failed poll (stats or subscription missing). `err` is an Error or a sidecar's error report. */
  error(key: WatchKey, err: ErrorLike): void;
  /** The arrival reader's state changed (introspection; polling adapts by itself). */
  arrivalsStatus?(key: WatchKey, status: ArrivalStatus): void;
}
