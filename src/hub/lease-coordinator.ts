import { Registry } from "prom-client";
import type { Clock, TimerHandle } from "../lib/clock.js";
import type { Logger } from "../lib/logger.js";
import { keyId, type WatchKey } from "../state/key.js";
import { LeaseTable, type LeaseDecision } from "../state/leases.js";
import type { Observation } from "../state/observation.js";
import type { WatchDriver, WatchHint } from "../watch/driver.js";
import type { WatchSink } from "../watch/sink.js";
import { ClockOffset } from "./clock-offset.js";
import { DecisionTurns } from "./decision-turns.js";
import { CloseCode } from "../contract/close-codes.js";
import type { HelloFrame } from "../contract/frames.js";
import type { ArrivalReport, SessionEnd, SidecarHandler, SidecarSession } from "./gateway-types.js";
import {
  CoordinatorMetrics,
  countingSink,
  emptyCoordinatorStats,
  type CoordinatorStats,
  type HolderCounts,
  type SidecarInfo,
} from "./lease-stats.js";

export type { CoordinatorStats, HolderCounts, SidecarInfo } from "./lease-stats.js";

export interface LeaseCoordinatorDeps {
  readonly clock: Clock;
  /** Where every report goes: the engine's `ingest`. */
  readonly sink: WatchSink;
  /** Builds the driver of the keys the hub watches itself (a LocalWatchDriver over `sink`). */
  readonly hubDriver: (sink: WatchSink) => WatchDriver;
  /** A sidecar without a heartbeat for this long loses its leases (default 10 s). */
  readonly leaseTimeoutMs?: number;
  /** Period of the lease-expiry tick (default leaseTimeoutMs / 4, at most 1 s). */
  readonly expireIntervalMs?: number;
  readonly logger?: Logger;
  /** Where the coordinator's instruments register (the hub's registry; default a fresh one). */
  readonly registry?: Registry;
  /**
   * The namespaces of the ScaledObjects using a key (the engine's record of uses). A sidecar is
   * granted a key only when every one of them is its own namespace; without this, any announcer.
   */
  readonly namespacesOf?: (key: WatchKey) => readonly string[];
  /**
   * Lease decisions carried out per event-loop turn (default 64); the rest wait for the next turn,
   * so a thousand sidecars leaving at once do not freeze the hub (each decision may start a
   * watcher). Decisions are always carried out in the order the table made them.
   */
  readonly decisionsPerTurn?: number;
  /** Runs `fn` on a later event-loop turn (default setImmediate: after pending I/O). */
  readonly nextTurn?: (fn: () => void) => void;
}

interface InUse {
  readonly key: WatchKey;
  /** From the engine's start: given to the hub's watcher, and to a sidecar in its grant. */
  readonly hint: WatchHint;
}

interface Peer {
  readonly session: SidecarSession;
  readonly clock: ClockOffset;
}

/**
 * Decides who watches each key in use: the engine's WatchDriver (keys come and go with KEDA's
 * interest) and the gateway's SidecarHandler (sidecars come and go). The pure LeaseTable decides;
 * this class carries its decisions out: grant/revoke frames to sessions, and start/stop of the
 * hub's own watchers. Only keys in use get leases: a key a sidecar announces that no ScaledObject
 * asked about is not watched.
 *
 * A sidecar holds a grant exactly while the table has it as the key's holder or taker-over (every
 * grant and revoke decision goes to its session), so the gateway's check of the session's grants
 * (session-keys.ts) is the one check of reports: they arrive here only from the sidecar the table
 * chose. The first observation of a taking-over sidecar completes the hand-over, and only then is
 * the previous watcher stopped. Sidecar timestamps are moved onto the hub's clock (see ClockOffset).
 */
export class LeaseCoordinator implements WatchDriver, SidecarHandler {
  private readonly table: LeaseTable;
  private readonly hub: WatchDriver;
  private readonly inUse = new Map<string, InUse>();
  private readonly peers = new Map<string, Peer>();
  private readonly counters = emptyCoordinatorStats();
  private readonly metrics: CoordinatorMetrics;
  private readonly expireIntervalMs: number;
  private timer: TimerHandle | undefined;
  private readonly turns: DecisionTurns;
  private draining = false;
  private closing: Promise<void> | undefined;

  constructor(private readonly deps: LeaseCoordinatorDeps) {
    this.table = new LeaseTable({
      leaseTimeoutMs: deps.leaseTimeoutMs,
      eligible: (sidecar, key) => this.eligible(sidecar, key),
    });
    this.metrics = new CoordinatorMetrics(deps.registry ?? new Registry());
    this.hub = deps.hubDriver(
      countingSink(deps.sink, {
        observation: (key, observedAt) => this.observed(key, observedAt),
        arrival: () => {
          this.counters.arrivals.hub++;
          this.metrics.arrival("hub");
        },
        arrivalsStatus: (key, s) => this.metrics.arrivalState(keyId(key), s.kind),
      }),
    );
    this.turns = new DecisionTurns({
      perform: (d) => this.perform(d),
      drop: (id) => this.table.sidecarLeft(id),
      decisionsPerTurn: deps.decisionsPerTurn,
      nextTurn: deps.nextTurn,
    });
    this.expireIntervalMs =
      deps.expireIntervalMs ?? Math.max(10, Math.min(1000, Math.floor(this.table.leaseTimeoutMs / 4)));
    this.arm();
  }

  // ---- WatchDriver (the engine) -------------------------------------------------------------

  start(key: WatchKey, hint: WatchHint): void {
    const id = keyId(key);
    if (this.inUse.has(id) || this.closing) return;
    this.inUse.set(id, { key, hint });
    this.metrics.keysInUse(this.inUse.size);
    this.apply(this.table.keyAdded(key));
    this.holderChanged(key);
  }

  stop(key: WatchKey): void {
    if (!this.inUse.delete(keyId(key))) return;
    this.metrics.keysInUse(this.inUse.size);
    this.apply(this.table.keyRemoved(key));
    this.holderChanged(key);
  }

  /** Only a key the hub watches itself is polled sooner (a sidecar's watcher keeps its schedule). */
  refresh(key: WatchKey): void {
    this.hub.refresh?.(key);
  }

  /**
   * Shutdown, step 1: sidecars that leave from now on do not make the hub start watchers (the
   * gateway is about to close every session). Idempotent.
   */
  drain(): void {
    this.draining = true;
  }

  /** Stops the expiry tick and every hub watcher. Sessions are the gateway's to close. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.draining = true;
      if (this.timer !== undefined) this.deps.clock.clearTimeout(this.timer);
      this.timer = undefined;
      if (this.hub.close) await this.hub.close();
      else for (const u of this.inUse.values()) this.hub.stop(u.key);
    })();
    return this.closing;
  }

  // ---- SidecarHandler (the gateway) ---------------------------------------------------------

  joined(session: SidecarSession, hello: HelloFrame): void {
    this.peers.set(session.id, { session, clock: new ClockOffset() });
    this.apply(this.table.sidecarJoined(session.id, hello.pod, hello.keys, this.deps.clock.now()));
  }

  heartbeat(session: SidecarSession, sentAt: number): void {
    const now = this.deps.clock.now();
    this.peers.get(session.id)?.clock.heartbeat(sentAt, now);
    this.apply(this.table.sidecarHeartbeat(session.id, now));
  }

  observation(session: SidecarSession, key: WatchKey, observation: Observation): void {
    const peer = this.peers.get(session.id);
    if (!peer) return;
    const observedAt = peer.clock.toHub(observation.observedAt, this.deps.clock.now());
    this.observed(key, observedAt);
    this.deps.sink.observation(key, { ...observation, observedAt });
    this.apply(this.table.firstObservationFrom(session.id, key));
    this.holderChanged(key);
  }

  arrival(session: SidecarSession, key: WatchKey, arrival: ArrivalReport): void {
    const peer = this.peers.get(session.id);
    if (!peer || !this.inUse.has(keyId(key))) return;
    this.counters.arrivals.sidecar++;
    this.metrics.arrival("sidecar");
    const receivedAt = peer.clock.toHub(arrival.receivedAt, this.deps.clock.now());
    this.deps.sink.arrival(key, { receivedAt });
  }

  error(session: SidecarSession, key: WatchKey, errorClass: string, message: string): void {
    if (!this.peers.has(session.id)) return;
    this.deps.sink.error(key, { name: errorClass, message });
  }

  /**
   * The session is gone at once (grants to it are no-ops from now on); the table drops it in turn,
   * a few per event-loop turn (decision-turns.ts), since a thousand sessions may end in one I/O phase.
   */
  left(session: SidecarSession, _end: SessionEnd): void {
    this.peers.delete(session.id);
    this.turns.leave(session.id);
  }

  // ---- introspection ------------------------------------------------------------------------

  /** Runs the lease expiry now (the tick does this every expireIntervalMs). */
  expire(): void {
    const before = this.table.sidecarIds();
    this.apply(this.table.expire(this.deps.clock.now()));
    const alive = new Set(this.table.sidecarIds());
    for (const id of before) {
      const peer = alive.has(id) ? undefined : this.peers.get(id);
      if (!peer) continue;
      this.counters.sidecarsExpired++;
      // Its leases are gone; ending the session makes it reconnect and announce its keys again.
      peer.session.close(CloseCode.leaseTimeout, `no heartbeat for ${this.table.leaseTimeoutMs} ms`);
    }
  }

  holders(): HolderCounts {
    const out: HolderCounts = { sidecar: 0, hub: 0, none: 0 };
    for (const u of this.inUse.values()) out[this.table.holderOf(u.key)?.kind ?? "none"]++;
    return out;
  }

  /** The sidecar session id holding a key, "hub", or undefined (not in use, or first grant pending). */
  holderOf(key: WatchKey): string | undefined {
    const h = this.table.holderOf(key);
    return h === undefined ? undefined : h.kind === "hub" ? "hub" : h.id;
  }

  /** The connected sidecars, with how many keys each announced and holds (the status page). */
  sidecars(): SidecarInfo[] {
    const held = new Map<string, number>();
    for (const u of this.inUse.values()) {
      const h = this.table.holderOf(u.key);
      if (h?.kind === "sidecar") held.set(h.id, (held.get(h.id) ?? 0) + 1);
    }
    return [...this.peers.values()].map(({ session: s, clock }) => ({
      id: s.id,
      pod: s.pod,
      namespace: s.namespace,
      sidecarVersion: s.sidecarVersion,
      announced: s.keys.length,
      held: held.get(s.id) ?? 0,
      clockOffsetMs: clock.offsetMs,
    }));
  }

  /** The sidecar taking a key over, if any. */
  pendingOf(key: WatchKey): string | undefined {
    return this.table.pendingOf(key);
  }

  /** The offset estimate of a session (hub minus sidecar clock, ms), once it sent a heartbeat. */
  clockOffsetOf(sessionId: string): number | undefined {
    return this.peers.get(sessionId)?.clock.offsetMs;
  }

  stats(): CoordinatorStats {
    return { ...this.counters, arrivals: { ...this.counters.arrivals } };
  }

  // ---- internals ----------------------------------------------------------------------------

  /** A sidecar speaks only for its namespace: it may watch a key no other namespace uses. */
  private eligible(sidecar: string, key: WatchKey): boolean {
    const namespace = this.peers.get(sidecar)?.session.namespace;
    if (namespace === undefined) return false;
    const used = this.deps.namespacesOf?.(key);
    return used === undefined || (used.length > 0 && used.every((n) => n === namespace));
  }

  /** Queues the table's decisions; the queue carries them out in order, a budget per turn. */
  private apply(decisions: readonly LeaseDecision[]): void {
    this.turns.push(decisions);
  }

  /** Carries out one decision of the queue (logged, never thrown) and keeps pps_leases in step. */
  private perform(d: LeaseDecision): void {
    try {
      this.carryOut(d);
    } catch (err) {
      this.deps.logger?.error({ err, decision: d.kind, key: keyId(d.key) }, "lease decision failed");
    }
    this.holderChanged(d.key);
  }

  /** Decisions waiting for a later turn (0 once every decision made so far is carried out). */
  get pendingDecisions(): number {
    return this.turns.pendingDecisions;
  }

  /** Sessions that left and wait to be dropped from the lease table. */
  get pendingLeaves(): number {
    return this.turns.pendingLeaves;
  }

  /** Keeps `pps_leases` in step: every holder change comes with a decision about the key, or is
   * a key added, removed, or handed over by a first observation (the callers of this). */
  private holderChanged(key: WatchKey): void {
    const id = keyId(key);
    const kind = this.inUse.has(id) ? (this.table.holderOf(key)?.kind ?? "none") : undefined;
    this.metrics.holder(key, id, kind);
  }

  /** The observation timestamp of a key in use (a late report of a key gone makes no series). */
  private observed(key: WatchKey, observedAt: number): void {
    if (this.inUse.has(keyId(key))) this.metrics.observed(key, observedAt);
  }

  private carryOut(d: LeaseDecision): void {
    switch (d.kind) {
      case "grant": {
        this.counters.grants++;
        this.metrics.decision("grant");
        const partitioned = this.inUse.get(keyId(d.key))?.hint.partitioned;
        this.peers.get(d.sidecar)?.session.grant(d.key, { partitioned });
        return;
      }
      case "revoke":
        this.counters.revokes++;
        this.metrics.decision("revoke");
        this.peers.get(d.sidecar)?.session.revoke(d.key);
        return;
      case "hubStart": {
        const use = this.inUse.get(keyId(d.key));
        if (this.draining || !use) return;
        this.counters.hubStarts++;
        this.metrics.decision("hubStart");
        this.hub.start(d.key, use.hint);
        return;
      }
      case "hubStop":
        this.counters.hubStops++;
        this.metrics.decision("hubStop");
        this.hub.stop(d.key);
        return;
    }
  }

  private arm(): void {
    this.timer = this.deps.clock.setTimeout(() => {
      if (this.closing) return;
      try {
        this.expire();
      } catch (err) {
        this.deps.logger?.error({ err }, "lease expiry failed");
      }
      this.arm();
    }, this.expireIntervalMs);
  }
}
