import { keyId, type WatchKey } from "./key.js";

/** What the hub must do after a lease-table change, in order. */
export type LeaseDecision =
  /** Tell sidecar `sidecar` to watch and report `key`. */
  | { readonly kind: "grant"; readonly sidecar: string; readonly key: WatchKey }
  /** Tell sidecar `sidecar` to stop watching `key`. */
  | { readonly kind: "revoke"; readonly sidecar: string; readonly key: WatchKey }
  | { readonly kind: "hubStart"; readonly key: WatchKey }
  | { readonly kind: "hubStop"; readonly key: WatchKey };

/** Who watches a key. */
export type Holder = { readonly kind: "hub" } | { readonly kind: "sidecar"; readonly id: string };

export interface LeaseOptions {
  /** A sidecar without a heartbeat for this long (ms) loses its leases. Default 10 s. */
  readonly leaseTimeoutMs?: number;
}

export const DEFAULT_LEASE_TIMEOUT_MS = 10_000;

interface Sidecar {
  readonly id: string;
  pod: string;
  announced: Set<string>;
  lastHeartbeatAt: number;
}

interface Lease {
  readonly key: WatchKey;
  /** The watcher running now; undefined only while a first grant waits for its first observation. */
  current: Holder | undefined;
  /** A sidecar taking over; `current` keeps running until it delivers its first observation. */
  pending: string | undefined;
}

const HUB: Holder = Object.freeze({ kind: "hub" });

/**
 * The lease table: which sidecar (or the hub) watches each key in use. Pure: time comes in as
 * arguments, every change returns the decisions to carry out.
 *
 * - A key is held by one live sidecar that announced it, else by the hub.
 * - A key is given to the announcing sidecar with the fewest leases (current + pending), ties
 *   broken by the smallest id: deterministic, so a restarted hub grants the same way.
 * - Hand-over without a gap: when the hub (or a sidecar that stopped announcing the key) gives a
 *   key to sidecar B, the previous watcher keeps running until `firstObservationFrom(B, key)`;
 *   only then is it told to stop. A lost sidecar cannot keep running: its keys go to another
 *   announcer at once, else to the hub.
 * - Keys held by a live sidecar are not moved to a newcomer (no rebalancing churn).
 */
export class LeaseTable {
  private readonly sidecars = new Map<string, Sidecar>();
  private readonly leases = new Map<string, Lease>();
  readonly leaseTimeoutMs: number;

  constructor(opts: LeaseOptions = {}) {
    this.leaseTimeoutMs = opts.leaseTimeoutMs ?? DEFAULT_LEASE_TIMEOUT_MS;
  }

  /** A key is in use (idempotent). */
  keyAdded(key: WatchKey): LeaseDecision[] {
    const id = keyId(key);
    if (this.leases.has(id)) return [];
    const lease: Lease = { key, current: undefined, pending: undefined };
    this.leases.set(id, lease);
    return this.place(lease);
  }

  /** A key is no longer in use: whoever watches it stops. */
  keyRemoved(key: WatchKey): LeaseDecision[] {
    const id = keyId(key);
    const lease = this.leases.get(id);
    if (!lease) return [];
    this.leases.delete(id);
    const out: LeaseDecision[] = [];
    if (lease.pending !== undefined) out.push({ kind: "revoke", sidecar: lease.pending, key });
    if (lease.current) out.push(stop(lease.current, key));
    return out;
  }

  /**
   * A sidecar joined (or re-announced: same id). Keys the hub holds that it announces are handed
   * over to the best announcer; keys it holds but no longer announces move away.
   */
  sidecarJoined(id: string, pod: string, keys: readonly WatchKey[], now: number): LeaseDecision[] {
    const announced = new Set(keys.map(keyId));
    const existing = this.sidecars.get(id);
    if (existing) {
      existing.pod = pod;
      existing.announced = announced;
      existing.lastHeartbeatAt = Math.max(existing.lastHeartbeatAt, now);
    } else {
      this.sidecars.set(id, { id, pod, announced, lastHeartbeatAt: now });
    }
    return this.reconcile();
  }

  sidecarHeartbeat(id: string, now: number): LeaseDecision[] {
    const s = this.sidecars.get(id);
    if (s) s.lastHeartbeatAt = Math.max(s.lastHeartbeatAt, now);
    return [];
  }

  /** A sidecar left (its session ended): no revoke is sent to it; its keys move at once. */
  sidecarLeft(id: string): LeaseDecision[] {
    return this.drop(id, false);
  }

  /** Sidecars without a heartbeat for `leaseTimeoutMs` or longer lose their leases (revoked). */
  expire(now: number): LeaseDecision[] {
    const out: LeaseDecision[] = [];
    const dead = [...this.sidecars.values()]
      .filter((s) => now - s.lastHeartbeatAt >= this.leaseTimeoutMs)
      .map((s) => s.id)
      .sort();
    for (const id of dead) out.push(...this.drop(id, true));
    return out;
  }

  /**
   * A sidecar delivered an observation of a key. For the pending holder this completes the
   * hand-over: it becomes the holder and the previous watcher is told to stop.
   */
  firstObservationFrom(sidecar: string, key: WatchKey): LeaseDecision[] {
    const lease = this.leases.get(keyId(key));
    if (!lease || lease.pending !== sidecar) return [];
    const previous = lease.current;
    lease.current = { kind: "sidecar", id: sidecar };
    lease.pending = undefined;
    return previous ? [stop(previous, key)] : [];
  }

  holderOf(key: WatchKey): Holder | undefined {
    return this.leases.get(keyId(key))?.current;
  }

  pendingOf(key: WatchKey): string | undefined {
    return this.leases.get(keyId(key))?.pending;
  }

  /** Number of keys a sidecar holds or is taking over. */
  leaseCount(id: string): number {
    let n = 0;
    for (const l of this.leases.values()) if (l.pending === id || isSidecar(l.current, id)) n++;
    return n;
  }

  sidecarIds(): string[] {
    return [...this.sidecars.keys()].sort();
  }

  /** Gives an unheld key, or a hub-held key, to the best announcer; else the hub watches it. */
  private place(lease: Lease): LeaseDecision[] {
    const best = this.bestAnnouncer(lease.key);
    if (best !== undefined) {
      lease.pending = best;
      return [{ kind: "grant", sidecar: best, key: lease.key }];
    }
    if (lease.current === undefined) {
      lease.current = HUB;
      return [{ kind: "hubStart", key: lease.key }];
    }
    return [];
  }

  /**
   * Brings every lease in line, in keyId order: a pending sidecar that no longer announces the key
   * is revoked; an unheld or hub-held key goes to the best announcer; a key held by a sidecar that
   * no longer announces it is handed over while that sidecar keeps running.
   */
  private reconcile(): LeaseDecision[] {
    const out: LeaseDecision[] = [];
    for (const lease of this.sorted()) {
      if (lease.pending !== undefined && !this.announces(lease.pending, lease.key)) {
        out.push({ kind: "revoke", sidecar: lease.pending, key: lease.key });
        lease.pending = undefined;
      }
      if (lease.pending !== undefined) continue;
      if (lease.current === undefined || lease.current.kind === "hub") out.push(...this.place(lease));
      else if (!this.announces(lease.current.id, lease.key)) out.push(...this.handOver(lease));
    }
    return out;
  }

  /** Moves a key away from a live sidecar that keeps running until the new holder's first observation. */
  private handOver(lease: Lease): LeaseDecision[] {
    const best = this.bestAnnouncer(lease.key);
    if (best !== undefined) {
      lease.pending = best;
      return [{ kind: "grant", sidecar: best, key: lease.key }];
    }
    const out: LeaseDecision[] = lease.current ? [stop(lease.current, lease.key)] : [];
    lease.current = HUB;
    out.push({ kind: "hubStart", key: lease.key });
    return out;
  }

  /** Removes a sidecar; its keys (held or pending) go to others at once. */
  private drop(id: string, revoke: boolean): LeaseDecision[] {
    if (!this.sidecars.delete(id)) return [];
    const out: LeaseDecision[] = [];
    for (const lease of this.sorted()) {
      if (lease.pending === id) lease.pending = undefined;
      else if (isSidecar(lease.current, id)) lease.current = undefined;
      else continue;
      if (revoke) out.push({ kind: "revoke", sidecar: id, key: lease.key });
    }
    return [...out, ...this.reconcile()];
  }

  private announces(id: string, key: WatchKey): boolean {
    return this.sidecars.get(id)?.announced.has(keyId(key)) ?? false;
  }

  private bestAnnouncer(key: WatchKey): string | undefined {
    const id = keyId(key);
    let best: { id: string; count: number } | undefined;
    for (const s of this.sidecars.values()) {
      if (!s.announced.has(id)) continue;
      const count = this.leaseCount(s.id);
      if (!best || count < best.count || (count === best.count && s.id < best.id)) best = { id: s.id, count };
    }
    return best?.id;
  }

  /** Leases in keyId order, so decisions come out in a deterministic order. */
  private sorted(): Lease[] {
    return [...this.leases.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, l]) => l);
  }
}

function isSidecar(h: Holder | undefined, id: string): boolean {
  return h?.kind === "sidecar" && h.id === id;
}

function stop(h: Holder, key: WatchKey): LeaseDecision {
  return h.kind === "hub" ? { kind: "hubStop", key } : { kind: "revoke", sidecar: h.id, key };
}
