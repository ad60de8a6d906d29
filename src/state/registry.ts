import { EventEmitter } from "eventemitter3";
import { CapacityError } from "./errors.js";
import { keyId, type ActivationRule, type WatchKey } from "./key.js";

/** A ScaledObject as KEDA names it (structurally the same as keda's ScaledObjectId). */
export interface ScaledObjectName {
  readonly namespace: string;
  readonly name: string;
}

export interface RegistryOptions {
  /** A key nobody asked about (and no open stream pins) for this long is dropped. Default 10 min. */
  readonly keyIdleTtlMs?: number;
  /** At most this many keys watched at once. Default 1000. */
  readonly maxKeys?: number;
  /** At most this many ScaledObjects known at once. Default 5000. */
  readonly maxScaledObjects?: number;
}

export const REGISTRY_DEFAULTS = Object.freeze({
  keyIdleTtlMs: 600_000,
  maxKeys: 1000,
  maxScaledObjects: 5000,
});

export interface RegistryEvents<H> {
  /** A key is now in use; `hint` is what the first caller passed (e.g. the partitioned flag). */
  keyAdded: [key: WatchKey, hint: H];
  keyRemoved: [key: WatchKey];
}

interface KeyEntry<H> {
  readonly key: WatchKey;
  readonly hint: H;
  lastInterestAt: number;
  /** Open streams (watchActivation) keep a key however long since the last call. */
  pins: number;
}

interface Use {
  rule: ActivationRule;
  lastSeenAt: number;
}

interface SoEntry {
  readonly so: ScaledObjectName;
  /** keyId -> how this ScaledObject uses the key. */
  readonly uses: Map<string, Use>;
}

const soId = (so: ScaledObjectName) => `${so.namespace}/${so.name}`;

/**
 * Which keys are in use, by which ScaledObjects. Keys are shared: many ScaledObjects (and many
 * triggers of one ScaledObject) may use one key. Each (ScaledObject, key) use expires after
 * `keyIdleTtlMs` without a call; a ScaledObject whose trigger changed uses the new key at once and
 * lets go of the old one when that use expires (KEDA requests do not say which trigger of a
 * ScaledObject they are for, so a changed trigger cannot be told from a second trigger). A key is
 * dropped when no use and no pin is left. Expiry runs in `sweep(now)` (and before a capacity error).
 * Pure: time comes in as arguments.
 */
export class Registry<H = undefined> extends EventEmitter<RegistryEvents<H>> {
  private readonly keysById = new Map<string, KeyEntry<H>>();
  private readonly sos = new Map<string, SoEntry>();
  readonly options: Readonly<Required<RegistryOptions>>;

  constructor(opts: RegistryOptions = {}) {
    super();
    this.options = Object.freeze({ ...REGISTRY_DEFAULTS, ...stripUndefined(opts) });
  }

  /**
   * Records that `so` asked about `key` under `rule` at `now`. Adds the key (emitting `keyAdded`)
   * when new. Throws CapacityError when a new key or a new ScaledObject does not fit.
   */
  touch(so: ScaledObjectName, key: WatchKey, rule: ActivationRule, now: number, hint: H): void {
    const kid = keyId(key);
    const sid = soId(so);
    if (!this.keysById.has(kid) || !this.sos.has(sid)) this.ensureRoom(kid, sid, now);
    let k = this.keysById.get(kid);
    const added = k === undefined;
    if (!k) {
      k = { key, hint, lastInterestAt: now, pins: 0 };
      this.keysById.set(kid, k);
    }
    k.lastInterestAt = Math.max(k.lastInterestAt, now);
    let s = this.sos.get(sid);
    if (!s) {
      s = { so: { namespace: so.namespace, name: so.name }, uses: new Map() };
      this.sos.set(sid, s);
    }
    s.uses.set(kid, { rule, lastSeenAt: now });
    if (added) this.emit("keyAdded", key, hint);
  }

  /** An open stream keeps the key in use until `unpin`. The key must be in the registry. */
  pin(key: WatchKey): void {
    const k = this.keysById.get(keyId(key));
    if (k) k.pins++;
  }

  /** Releases a pin; the idle time counts from `now`. */
  unpin(key: WatchKey, now: number): void {
    const k = this.keysById.get(keyId(key));
    if (!k || k.pins === 0) return;
    k.pins--;
    k.lastInterestAt = Math.max(k.lastInterestAt, now);
  }

  /** Expires uses and keys idle for `keyIdleTtlMs` or longer; returns the keys dropped. */
  sweep(now: number): WatchKey[] {
    const cutoff = now - this.options.keyIdleTtlMs;
    for (const [sid, s] of this.sos) {
      for (const [kid, use] of s.uses) if (use.lastSeenAt <= cutoff) s.uses.delete(kid);
      if (s.uses.size === 0) this.sos.delete(sid);
    }
    const used = new Set<string>();
    for (const s of this.sos.values()) for (const kid of s.uses.keys()) used.add(kid);
    const dropped: WatchKey[] = [];
    for (const [kid, k] of this.keysById) {
      if (k.pins > 0 || used.has(kid) || k.lastInterestAt > cutoff) continue;
      this.keysById.delete(kid);
      dropped.push(k.key);
    }
    for (const key of dropped) this.emit("keyRemoved", key);
    return dropped;
  }

  has(key: WatchKey): boolean {
    return this.keysById.has(keyId(key));
  }

  keys(): WatchKey[] {
    return [...this.keysById.values()].map((k) => k.key);
  }

  get keyCount(): number {
    return this.keysById.size;
  }

  get scaledObjectCount(): number {
    return this.sos.size;
  }

  /** The ScaledObjects using a key, with the rule each uses. */
  usersOf(key: WatchKey): { so: ScaledObjectName; rule: ActivationRule; lastSeenAt: number }[] {
    const kid = keyId(key);
    const out: { so: ScaledObjectName; rule: ActivationRule; lastSeenAt: number }[] = [];
    for (const s of this.sos.values()) {
      const use = s.uses.get(kid);
      if (use) out.push({ so: s.so, rule: use.rule, lastSeenAt: use.lastSeenAt });
    }
    return out;
  }

  /** The keys a ScaledObject uses. */
  keysOf(so: ScaledObjectName): WatchKey[] {
    const s = this.sos.get(soId(so));
    if (!s) return [];
    return [...s.uses.keys()].flatMap((kid) => {
      const k = this.keysById.get(kid);
      return k ? [k.key] : [];
    });
  }

  pinsOf(key: WatchKey): number {
    return this.keysById.get(keyId(key))?.pins ?? 0;
  }

  private ensureRoom(kid: string, sid: string, now: number): void {
    const { maxKeys, maxScaledObjects } = this.options;
    const full = () =>
      (!this.keysById.has(kid) && this.keysById.size >= maxKeys) ||
      (!this.sos.has(sid) && this.sos.size >= maxScaledObjects);
    if (full()) this.sweep(now);
    if (!this.keysById.has(kid) && this.keysById.size >= maxKeys) {
      throw new CapacityError(
        `cannot watch ${kid}: ${this.keysById.size} keys are watched, the maximum is ${maxKeys} (maxKeys)`,
      );
    }
    if (!this.sos.has(sid) && this.sos.size >= maxScaledObjects) {
      throw new CapacityError(
        `cannot serve ScaledObject ${sid}: ${this.sos.size} ScaledObjects are known, the maximum is ${maxScaledObjects} (maxScaledObjects)`,
      );
    }
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
