import { Counter, Gauge, type Registry } from "prom-client";
import type { ArrivalStatus } from "../pulsar/index.js";
import type { WatchKey } from "../state/key.js";
import type { LeaseDecision } from "../state/leases.js";
import type { WatchSink } from "../watch/sink.js";

/** Counters of the lease coordinator, for tests and introspection. `stats()` returns a copy. */
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

/** A connected sidecar as the status page shows it. */
export interface SidecarInfo {
  readonly id: string;
  readonly pod: string;
  readonly namespace: string;
  readonly sidecarVersion: string;
  /** Keys announced in its hello. */
  readonly announced: number;
  /** Keys in use it holds the lease of. */
  readonly held: number;
  /** Hub minus sidecar clock (ms), once it sent a heartbeat. */
  readonly clockOffsetMs: number | undefined;
}

export type HolderKind = "sidecar" | "hub" | "none";

/** The state of a hub watcher's arrival reader; anything but connected means polling alone. */
export type ArrivalState = ArrivalStatus["kind"];

/** Who watches the keys in use, by kind (`none`: a first grant waits for its first observation). */
export type HolderCounts = Record<HolderKind, number>;

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

const DECISION_LABEL: Readonly<Record<LeaseDecision["kind"], string>> = {
  grant: "grant",
  revoke: "revoke",
  hubStart: "hub_start",
  hubStop: "hub_stop",
};

function keyLabels(key: WatchKey): Record<"cluster" | "topic" | "subscription", string> {
  return { cluster: key.cluster, topic: key.topic, subscription: key.subscription };
}

/**
 * The coordinator's Prometheus instruments (docs/hub.md, Metrics), updated where things happen:
 * counters at the event, gauges when what they show changes. Nothing is computed at scrape time.
 * Series per key (observation timestamps) are bounded by --max-keys and removed with the key.
 */
export class CoordinatorMetrics {
  private readonly arrivals: Counter<"watcher">;
  private readonly decisions: Counter<"decision">;
  private readonly keys: Gauge;
  private readonly leases: Gauge<"holder">;
  private readonly observedAt: Gauge<"cluster" | "topic" | "subscription">;
  private readonly arrivalReaders: Gauge<"state">;
  /** The holder kind each key in use is counted under in `leases`. */
  private readonly holderOf = new Map<string, HolderKind>();
  /** The state each hub-watched key is counted under in `arrivalReaders`. */
  private readonly arrivalStateOf = new Map<string, ArrivalState>();

  constructor(register: Registry) {
    const registers = [register];
    this.keys = new Gauge({
      name: "pps_keys_watched",
      help: "subscriptions (cluster, topic, subscription) in use",
      registers,
    });
    this.leases = new Gauge({
      name: "pps_leases",
      help: "subscriptions in use by who watches them (none: a sidecar's first grant awaits its first observation)",
      labelNames: ["holder"],
      registers,
    });
    this.observedAt = new Gauge({
      name: "pps_observation_timestamp_seconds",
      help: "hub-clock time (Unix seconds) of the newest stats observation of each subscription in use; its age is time() minus this",
      labelNames: ["cluster", "topic", "subscription"],
      registers,
    });
    this.arrivalReaders = new Gauge({
      name: "pps_hub_arrival_readers",
      help: "subscriptions the hub watches itself, by the state of their arrival reader (disconnected, unavailable: polling alone)",
      labelNames: ["state"],
      registers,
    });
    this.arrivals = new Counter({
      name: "pps_arrivals_total",
      help: "message arrival events received, by watcher kind",
      labelNames: ["watcher"],
      registers,
    });
    this.decisions = new Counter({
      name: "pps_lease_decisions_total",
      help: "lease decisions carried out, by kind",
      labelNames: ["decision"],
      registers,
    });
    for (const holder of ["sidecar", "hub", "none"]) this.leases.set({ holder }, 0);
    for (const state of ["connected", "disconnected", "unavailable"]) this.arrivalReaders.set({ state }, 0);
    for (const watcher of ["hub", "sidecar"]) this.arrivals.inc({ watcher }, 0);
    for (const decision of Object.values(DECISION_LABEL)) this.decisions.inc({ decision }, 0);
  }

  arrival(watcher: "hub" | "sidecar"): void {
    this.arrivals.inc({ watcher });
  }

  decision(kind: LeaseDecision["kind"]): void {
    this.decisions.inc({ decision: DECISION_LABEL[kind] });
  }

  keysInUse(n: number): void {
    this.keys.set(n);
  }

  /** A key's observation (hub clock, ms) was taken in. */
  observed(key: WatchKey, observedAtMs: number): void {
    this.observedAt.set(keyLabels(key), observedAtMs / 1000);
  }

  /**
   * Who watches a key in use now (undefined: the key is no longer in use, its series go).
   * O(1): moves the key between the `pps_leases` series only when its holder kind changed.
   */
  holder(key: WatchKey, id: string, kind: HolderKind | undefined): void {
    const was = this.holderOf.get(id);
    if (was === kind) return;
    if (was !== undefined) this.leases.dec({ holder: was });
    if (kind !== "hub") this.moveArrivalState(id, undefined);
    if (kind === undefined) {
      this.holderOf.delete(id);
      this.observedAt.remove(keyLabels(key));
      return;
    }
    this.leases.inc({ holder: kind });
    this.holderOf.set(id, kind);
  }

  /** A hub watcher's arrival reader changed state; ignored unless the hub holds the key now. */
  arrivalState(id: string, state: ArrivalState): void {
    if (this.holderOf.get(id) === "hub") this.moveArrivalState(id, state);
  }

  private moveArrivalState(id: string, state: ArrivalState | undefined): void {
    const was = this.arrivalStateOf.get(id);
    if (was === state) return;
    if (was !== undefined) this.arrivalReaders.dec({ state: was });
    if (state === undefined) {
      this.arrivalStateOf.delete(id);
      return;
    }
    this.arrivalReaders.inc({ state });
    this.arrivalStateOf.set(id, state);
  }
}

/** `sink` with the hub watchers' observations and arrivals seen by `on` first. */
export function countingSink(
  sink: WatchSink,
  on: {
    observation(key: WatchKey, observedAt: number): void;
    arrival(): void;
    arrivalsStatus(key: WatchKey, status: ArrivalStatus): void;
  },
): WatchSink {
  return {
    observation: (key, obs) => {
      on.observation(key, obs.observedAt);
      sink.observation(key, obs);
    },
    arrival: (key, e) => {
      on.arrival();
      sink.arrival(key, e);
    },
    error: (key, err) => sink.error(key, err),
    arrivalsStatus: (key, s) => {
      on.arrivalsStatus(key, s);
      sink.arrivalsStatus?.(key, s);
    },
  };
}
