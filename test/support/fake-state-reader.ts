import type { StateReader } from "../../src/keda/state-reader.js";
import type { ScaledObjectId, TriggerSpec } from "../../src/keda/trigger.js";
import { CapacityError, NoFreshDataError } from "../../src/state/errors.js";
import { keyId, type WatchKey } from "../../src/state/key.js";

type KeyRef = WatchKey | string;
const idOf = (k: KeyRef): string => (typeof k === "string" ? k : keyId(k));

/**
 * Hand-written StateReader for tests. Values and activation are set per key; setActive(key, true)
 * calls each watcher once on the inactive-to-active edge, as the real state does.
 */
export class FakeStateReader implements StateReader {
  private readonly values = new Map<string, number>();
  private readonly unavailable = new Map<string, string>();
  private readonly active = new Map<string, boolean>();
  private readonly watchers = new Map<string, Set<() => void>>();
  /** Every read, in order (method and key id). */
  readonly calls: Array<{ method: string; key: string; so: ScaledObjectId }> = [];
  isReady = true;
  /** When set, watchActivation throws CapacityError. */
  full = false;
  /** When set, reads throw this (an unexpected error). */
  broken: Error | undefined;

  setValue(key: KeyRef, value: number): void {
    this.values.set(idOf(key), value);
    this.unavailable.delete(idOf(key));
  }

  setUnavailable(key: KeyRef, why: string): void {
    this.unavailable.set(idOf(key), why);
  }

  setActive(key: KeyRef, active: boolean): void {
    const id = idOf(key);
    const was = this.active.get(id) ?? false;
    this.active.set(id, active);
    if (active && !was) for (const w of [...(this.watchers.get(id) ?? [])]) w();
  }

  watcherCount(key: KeyRef): number {
    return this.watchers.get(idOf(key))?.size ?? 0;
  }

  private read(method: string, so: ScaledObjectId, trigger: TriggerSpec): string {
    const id = keyId(trigger.key);
    this.calls.push({ method, key: id, so });
    if (this.broken) throw this.broken;
    const why = this.unavailable.get(id);
    if (why !== undefined) throw new NoFreshDataError(`no fresh data for ${id}: ${why}`);
    return id;
  }

  metricValue(so: ScaledObjectId, trigger: TriggerSpec): Promise<number> {
    try {
      const id = this.read("metricValue", so, trigger);
      const v = this.values.get(id);
      if (v === undefined) throw new NoFreshDataError(`no observation yet for ${id}`);
      return Promise.resolve(v);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  isActive(so: ScaledObjectId, trigger: TriggerSpec): Promise<boolean> {
    try {
      const id = this.read("isActive", so, trigger);
      return Promise.resolve(this.active.get(id) ?? false);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  watchActivation(so: ScaledObjectId, trigger: TriggerSpec, onActive: () => void): () => void {
    const id = keyId(trigger.key);
    this.calls.push({ method: "watchActivation", key: id, so });
    if (this.full) throw new CapacityError(`registry full: cannot watch ${id}`, "keys");
    let set = this.watchers.get(id);
    if (!set) this.watchers.set(id, (set = new Set()));
    const w = () => onActive();
    set.add(w);
    if (this.active.get(id)) onActive();
    return () => {
      set.delete(w);
    };
  }

  ready(): boolean {
    return this.isReady;
  }
}
