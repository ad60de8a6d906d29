import type { WatchSink } from "../watch/sink.js";

/** Counters of the lease coordinator, for /metrics and tests. `stats()` returns a copy. */
export interface CoordinatorStats {
  /** Lease decisions carried out. */
  grants: number;
  revokes: number;
  hubStarts: number;
  hubStops: number;
  /** Sidecars that lost their leases for want of heartbeats (their session was closed 4009). */
  sidecarsExpired: number;
  /** Arrival events taken in, by who watched the key. */
  arrivals: { hub: number; sidecar: number };
}

/** Who watches the keys in use, by kind (`none`: a first grant waits for its first observation). */
export interface HolderCounts {
  sidecar: number;
  hub: number;
  none: number;
}

export function emptyCoordinatorStats(): CoordinatorStats {
  return {
    grants: 0,
    revokes: 0,
    hubStarts: 0,
    hubStops: 0,
    sidecarsExpired: 0,
    arrivals: { hub: 0, sidecar: 0 },
  };
}

/** `sink` with the hub watchers' arrivals counted into `stats`. */
export function countingSink(sink: WatchSink, stats: CoordinatorStats): WatchSink {
  return {
    observation: (key, obs) => sink.observation(key, obs),
    arrival: (key, e) => {
      stats.arrivals.hub++;
      sink.arrival(key, e);
    },
    error: (key, err) => sink.error(key, err),
    arrivalsStatus: (key, s) => sink.arrivalsStatus?.(key, s),
  };
}
