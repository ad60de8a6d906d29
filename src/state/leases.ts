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
  /**
   * Whether a sidecar may be given a key it announced (the hub grants a sidecar only keys of its
   * own namespace's ScaledObjects). Asked when a key is placed; default: always.
   */
  readonly eligible?: (sidecar: string, key: WatchKey) => boolean;
}

export const DEFAULT_LEASE_TIMEOUT_MS = 10_000;

interface Sidecar {
  readonly id: string;
  pod: string;
  announced: Set<string>;
  lastHeartbeatAt: number;
  /** keyIds of the leases it holds or is taking over: its lease count, and what moves when it goes. */
  readonly leases: Set<string>;
  /** The announced keys that are in use: its entries in the announcer index. */
  readonly indexed: Set<string>;
}

interface Lease {
  readonly id: string;
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
 * - A key is held by one live sidecar that announced it (and is eligible for it), else by the hub.
 * - A key is given to the announcing sidecar with the fewest leases (current + pending), ties
 *   broken by the smallest id: deterministic, so a restarted hub grants the same way.
 * - Hand-over without a gap: when the hub (or a sidecar that stopped announcing the key) gives a
 *   key to sidecar B, the previous watcher keeps running until `firstObservationFrom(B, key)`;
 *   only then is it told to stop. A lost sidecar cannot keep running: its keys go to another
 *   announcer at once, else to the hub.
 * - Keys held by a live sidecar are not moved to a newcomer (no rebalancing churn).
 * - Cost: a change touches only the leases of the sidecar concerned (an index of announcers per
 *   key and of leases per sidecar), so a thousand sidecars leaving at once cost their own keys,
 *   not keys x sidecars x leases.
 */
export class LeaseTable {
  private readonly sidecars = new Map<string, Sidecar>();
  private readonly leases = new Map<string, Lease>();
  /**
   * keyId of a key in use -> the sidecars announcing it. Only keys in use: sidecars may announce
   * many keys nobody asks about, and indexing those would make every join and leave cost them.
   */
  private readonly announcers = new Map<string, Set<string>>();
  private readonly eligible: (sidecar: string, key: WatchKey) => boolean;
  readonly leaseTimeoutMs: number;

  constructor(opts: LeaseOptions = {}) {
    this.leaseTimeoutMs = opts.leaseTimeoutMs ?? DEFAULT_LEASE_TIMEOUT_MS;
    this.eligible = opts.eligible ?? (() => true);
  }

  /** A key is in use (idempotent). */
  keyAdded(key: WatchKey): LeaseDecision[] {
    const id = keyId(key);
    if (this.leases.has(id)) return [];
    const lease: Lease = { id, key, current: undefined, pending: undefined };
    this.leases.set(id, lease);
    const by = new Set<string>();
    for (const s of this.sidecars.values()) {
      if (!s.announced.has(id)) continue;
      by.add(s.id);
      s.indexed.add(id);
    }
    this.announcers.set(id, by);
    return this.place(lease);
  }

  /** A key is no longer in use: whoever watches it stops. */
  keyRemoved(key: WatchKey): LeaseDecision[] {
    const lease = this.leases.get(keyId(key));
    if (!lease) return [];
    this.leases.delete(lease.id);
    for (const sid of this.announcers.get(lease.id) ?? []) this.sidecars.get(sid)?.indexed.delete(lease.id);
    this.announcers.delete(lease.id);
    const out: LeaseDecision[] = [];
    const { pending, current } = lease;
    if (pending !== undefined) out.push({ kind: "revoke", sidecar: pending, key });
    if (current) out.push(stop(current, key));
    this.setPending(lease, undefined);
    this.setCurrent(lease, undefined);
    return out;
  }

  /**
   * A sidecar joined (or re-announced: same id). Keys the hub holds that it announces are handed
   * over to the best announcer; keys it holds but no longer announces move away.
   */
  sidecarJoined(id: string, pod: string, keys: readonly WatchKey[], now: number): LeaseDecision[] {
    const announced = new Set(keys.map(keyId));
    const existing = this.sidecars.get(id);
    const touched = new Set(announced);
    if (existing) {
      for (const k of existing.indexed) {
        touched.add(k);
        this.announcers.get(k)?.delete(id);
      }
      existing.indexed.clear();
      existing.pod = pod;
      existing.announced = announced;
      existing.lastHeartbeatAt = Math.max(existing.lastHeartbeatAt, now);
    } else {
      this.sidecars.set(id, {
        id,
        pod,
        announced,
        lastHeartbeatAt: now,
        leases: new Set(),
        indexed: new Set(),
      });
    }
    const indexed = this.sidecars.get(id)?.indexed;
    for (const k of announced) {
      const by = this.announcers.get(k);
      if (!by) continue;
      by.add(id);
      indexed?.add(k);
    }
    return this.reconcile(this.leasesOf(touched));
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
    this.setPending(lease, undefined);
    this.setCurrent(lease, { kind: "sidecar", id: sidecar });
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
    return this.sidecars.get(id)?.leases.size ?? 0;
  }

  sidecarIds(): string[] {
    return [...this.sidecars.keys()].sort();
  }

  /** Gives an unheld key, or a hub-held key, to the best announcer; else the hub watches it. */
  private place(lease: Lease): LeaseDecision[] {
    const best = this.bestAnnouncer(lease.key);
    if (best !== undefined) {
      this.setPending(lease, best);
      return [{ kind: "grant", sidecar: best, key: lease.key }];
    }
    if (lease.current === undefined) {
      this.setCurrent(lease, HUB);
      return [{ kind: "hubStart", key: lease.key }];
    }
    return [];
  }

  /**
   * Brings `leases` in line, in keyId order: a pending sidecar that no longer announces the key (or
   * is no longer eligible for it) is revoked; an unheld or hub-held key goes to the best announcer;
   * a key held by a sidecar that no longer announces it (or is no longer eligible) is handed over
   * while that sidecar keeps running. Only leases a change
   * concerns can be out of line, so callers pass those.
   */
  private reconcile(leases: Lease[]): LeaseDecision[] {
    const out: LeaseDecision[] = [];
    for (const lease of sortById(leases)) {
      if (lease.pending !== undefined && !this.mayHold(lease.pending, lease)) {
        out.push({ kind: "revoke", sidecar: lease.pending, key: lease.key });
        this.setPending(lease, undefined);
      }
      if (lease.pending !== undefined) continue;
      if (lease.current === undefined || lease.current.kind === "hub") out.push(...this.place(lease));
      else if (!this.mayHold(lease.current.id, lease)) out.push(...this.handOver(lease));
    }
    return out;
  }

  /** Moves a key away from a live sidecar that keeps running until the new holder's first observation. */
  private handOver(lease: Lease): LeaseDecision[] {
    const best = this.bestAnnouncer(lease.key);
    if (best !== undefined) {
      this.setPending(lease, best);
      return [{ kind: "grant", sidecar: best, key: lease.key }];
    }
    const out: LeaseDecision[] = lease.current ? [stop(lease.current, lease.key)] : [];
    this.setCurrent(lease, HUB);
    out.push({ kind: "hubStart", key: lease.key });
    return out;
  }

  /** Removes a sidecar; its keys (held or pending) go to others at once. */
  private drop(id: string, revoke: boolean): LeaseDecision[] {
    const s = this.sidecars.get(id);
    if (!s) return [];
    this.sidecars.delete(id);
    for (const k of s.indexed) this.announcers.get(k)?.delete(id);
    const mine = sortById(this.leasesOf(s.leases));
    const out: LeaseDecision[] = [];
    for (const lease of mine) {
      if (lease.pending === id) this.setPending(lease, undefined);
      else this.setCurrent(lease, undefined);
      if (revoke) out.push({ kind: "revoke", sidecar: id, key: lease.key });
    }
    return [...out, ...this.reconcile(mine)];
  }

  /** Whether a sidecar announces a key and is eligible for it (asked again at every reconcile). */
  private mayHold(sidecar: string, lease: Lease): boolean {
    return (
      (this.sidecars.get(sidecar)?.announced.has(lease.id) ?? false) && this.eligible(sidecar, lease.key)
    );
  }

  private bestAnnouncer(key: WatchKey): string | undefined {
    let best: { id: string; count: number } | undefined;
    for (const id of this.announcers.get(keyId(key)) ?? []) {
      const count = this.leaseCount(id);
      if (best && (count > best.count || (count === best.count && id > best.id))) continue;
      if (this.eligible(id, key)) best = { id, count };
    }
    return best?.id;
  }

  /** The leases of these keyIds that are in use. */
  private leasesOf(kids: Iterable<string>): Lease[] {
    const out: Lease[] = [];
    for (const k of kids) {
      const l = this.leases.get(k);
      if (l) out.push(l);
    }
    return out;
  }

  private setPending(lease: Lease, sidecar: string | undefined): void {
    if (lease.pending !== undefined && !isSidecar(lease.current, lease.pending))
      this.sidecars.get(lease.pending)?.leases.delete(lease.id);
    lease.pending = sidecar;
    if (sidecar !== undefined) this.sidecars.get(sidecar)?.leases.add(lease.id);
  }

  private setCurrent(lease: Lease, holder: Holder | undefined): void {
    const was = lease.current;
    if (was?.kind === "sidecar" && lease.pending !== was.id)
      this.sidecars.get(was.id)?.leases.delete(lease.id);
    lease.current = holder;
    if (holder?.kind === "sidecar") this.sidecars.get(holder.id)?.leases.add(lease.id);
  }
}

/** Leases in keyId order, so decisions come out in a deterministic order. */
function sortById(leases: Lease[]): Lease[] {
  return leases.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function isSidecar(h: Holder | undefined, id: string): boolean {
  return h?.kind === "sidecar" && h.id === id;
}

function stop(h: Holder, key: WatchKey): LeaseDecision {
  return h.kind === "hub" ? { kind: "hubStop", key } : { kind: "revoke", sidecar: h.id, key };
}
