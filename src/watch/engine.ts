import type { Clock, TimerHandle } from "../lib/clock.js";
import type { Logger } from "../lib/logger.js";
import type { ArrivalStatus } from "../pulsar/ports.js";
import type { TopicName } from "../pulsar/topic-name.js";
import { keyId, type ActivationRule, type WatchKey } from "../state/key.js";
import { ruleId, type LastError } from "../state/key-state.js";
import type { Observation } from "../state/observation.js";
import { Registry, type RegistryOptions, type ScaledObjectName } from "../state/registry.js";
import { StateStore, type ActivationEdge } from "../state/store.js";
import type { WatchDriver, WatchHint } from "./driver.js";
import { FirstReadWaiters } from "./first-read.js";
import type { WatchSink } from "./sink.js";
import { DEFAULT_WATCH_TIMINGS, type WatchTimings } from "./timings.js";

/** What the engine needs of a trigger (keda's TriggerSpec satisfies it). */
export interface TriggerLike {
  readonly key: WatchKey;
  readonly activation: ActivationRule;
  readonly topic?: TopicName;
  readonly isPartitionedTopic: boolean | undefined;
}

export interface WatchEngineOptions {
  readonly clock: Clock;
  /** Builds the driver that watches keys; it reports into the sink it is given (`engine.ingest`). */
  readonly driver: (sink: WatchSink) => WatchDriver;
  /** Used for the default staleness bound (3 x slowPollMs). */
  readonly timings?: WatchTimings;
  /** Staleness bound of every key (ms). Default 3 x timings.slowPollMs (90 s). */
  readonly stalenessMs?: number;
  /** How long the first read of a new key waits for its first observation. Default 2000. */
  readonly firstReadWaitMs?: number;
  readonly registry?: RegistryOptions;
  /** Interval of the idle-key sweep started by `start()`. Default 30 s. */
  readonly sweepIntervalMs?: number;
  /** Reports onActive callbacks that throw. */
  readonly logger?: Logger;
}

export const DEFAULT_FIRST_READ_WAIT_MS = 2_000;
export const DEFAULT_SWEEP_INTERVAL_MS = 30_000;

/** One key as seen by /metrics and the demo. */
export interface KeyReport {
  readonly id: string;
  readonly key: WatchKey;
  readonly observation: Observation | undefined;
  readonly observationAgeMs: number | undefined;
  readonly fresh: boolean;
  readonly lastArrivalAt: number | undefined;
  readonly lastError: LastError | undefined;
  readonly arrivals: ArrivalStatus["kind"] | undefined;
  readonly rules: readonly { rule: ActivationRule; refs: number; active: boolean | undefined }[];
  readonly scaledObjects: number;
  readonly streams: number;
}

/**
 * The state behind the KEDA service: registry (which keys are in use) + store (what is known of
 * them) + a driver (who watches them). Implements keda's StateReader structurally. Reads never touch
 * Pulsar: they record interest, then read memory.
 */
export class WatchEngine {
  /** Where watchers (local, or sidecars via the hub) report. */
  readonly ingest: WatchSink;
  private readonly clock: Clock;
  private readonly store: StateStore;
  private readonly registry: Registry<WatchHint>;
  private readonly driver: WatchDriver;
  private readonly waiters: FirstReadWaiters;
  private readonly firstReadWaitMs: number;
  private readonly sweepIntervalMs: number;
  private readonly addedAt = new Map<string, number>();
  private readonly arrivalKinds = new Map<string, ArrivalStatus["kind"]>();
  private readonly listeners = new Map<string, Map<string, Set<() => void>>>();
  private sweepTimer: TimerHandle | undefined;
  private closing: Promise<void> | undefined;

  constructor(private readonly opts: WatchEngineOptions) {
    this.clock = opts.clock;
    const timings = opts.timings ?? DEFAULT_WATCH_TIMINGS;
    this.store = new StateStore({ stalenessMs: opts.stalenessMs ?? 3 * timings.slowPollMs });
    this.registry = new Registry<WatchHint>(opts.registry);
    this.waiters = new FirstReadWaiters(opts.clock);
    this.firstReadWaitMs = opts.firstReadWaitMs ?? DEFAULT_FIRST_READ_WAIT_MS;
    this.sweepIntervalMs = opts.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS;
    this.ingest = {
      observation: (key, obs) => void this.store.applyObservation(key, obs),
      arrival: (key, e) => void this.store.applyArrival(key, e.receivedAt),
      error: (key, err) => void this.store.applyError(key, err, this.clock.now()),
      arrivalsStatus: (key, s) => {
        if (this.store.has(key)) this.arrivalKinds.set(keyId(key), s.kind);
      },
    };
    this.store.on("edge", (edge) => this.dispatch(edge));
    this.store.on("firstObservation", (key) => this.waiters.release(keyId(key)));
    this.registry.on("keyAdded", (key, hint) => this.keyAdded(key, hint));
    this.registry.on("keyRemoved", (key) => this.keyRemoved(key));
    this.driver = opts.driver(this.ingest);
  }

  async metricValue(so: ScaledObjectName, trigger: TriggerLike): Promise<number> {
    this.touch(so, trigger);
    await this.firstRead(trigger.key);
    return this.store.read(trigger.key, trigger.activation, this.clock.now()).value;
  }

  /** Active when a message arrived after the newest observation, else from a fresh observation. */
  async isActive(so: ScaledObjectName, trigger: TriggerLike): Promise<boolean> {
    this.touch(so, trigger);
    if (this.store.arrivalPending(trigger.key)) return true;
    await this.firstRead(trigger.key);
    if (this.store.arrivalPending(trigger.key)) return true;
    return this.store.read(trigger.key, trigger.activation, this.clock.now()).active;
  }

  /**
   * Calls `onActive` at once if the key is active now (newest known facts) under the trigger's
   * rule, then on each edge to active. Keeps the key watched until unsubscribed. Throws CapacityError.
   */
  watchActivation(so: ScaledObjectName, trigger: TriggerLike, onActive: () => void): () => void {
    const { key, activation: rule } = trigger;
    this.touch(so, trigger);
    const kid = keyId(key);
    const rid = ruleId(rule);
    this.registry.pin(key);
    this.store.subscribe(key, rule);
    let byRule = this.listeners.get(kid);
    if (!byRule) {
      byRule = new Map<string, Set<() => void>>();
      this.listeners.set(kid, byRule);
    }
    let set = byRule.get(rid);
    if (!set) {
      set = new Set<() => void>();
      byRule.set(rid, set);
    }
    const cb = () => onActive();
    set.add(cb);
    if (this.store.activation(key, rule) === true) this.call(cb, kid);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      set.delete(cb);
      if (set.size === 0) byRule.delete(rid);
      if (byRule.size === 0 && this.listeners.get(kid) === byRule) this.listeners.delete(kid);
      this.store.unsubscribe(key, rule);
      this.registry.unpin(key, this.clock.now());
    };
  }

  /** Every key in use has a fresh observation (true when there are none). */
  /**
   * Readiness follows data freshness: ready with no keys, or while at least one key has a fresh
   * observation. When every key is stale this replica has lost Pulsar and KEDA should be routed to
   * another one; a single broken trigger (deleted subscription) must not take the hub out of its
   * Service, since that would fail every other ScaledObject too.
   */
  ready(): boolean {
    const now = this.clock.now();
    const keys = this.registry.keys();
    return keys.length === 0 || keys.some((k) => this.store.hasFreshData(k, now));
  }

  /** Drops keys nobody asked about for keyIdleTtlMs (their watching stops). */
  sweep(): WatchKey[] {
    return this.registry.sweep(this.clock.now());
  }

  /** Starts the periodic sweep (idempotent). */
  start(): void {
    if (this.sweepTimer || this.closing) return;
    const tick = () => {
      this.sweep();
      this.sweepTimer = this.clock.setTimeout(tick, this.sweepIntervalMs);
    };
    this.sweepTimer = this.clock.setTimeout(tick, this.sweepIntervalMs);
  }

  /** Stops the sweep, wakes waiting readers and stops the driver (idempotent). */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    if (this.sweepTimer) this.clock.clearTimeout(this.sweepTimer);
    this.sweepTimer = undefined;
    this.waiters.releaseAll();
    const keys = this.registry.keys();
    this.closing = (async () => {
      if (this.driver.close) await this.driver.close();
      else for (const k of keys) this.driver.stop(k);
    })();
    return this.closing;
  }

  /** Read-only view of every key in use. */
  keys(): KeyReport[] {
    return this.registry.keys().map((k) => this.report(k));
  }

  /** Read-only view of one key, or undefined when it is not in use. */
  keyReport(key: WatchKey): KeyReport | undefined {
    return this.registry.has(key) ? this.report(key) : undefined;
  }

  private report(key: WatchKey): KeyReport {
    const id = keyId(key);
    const now = this.clock.now();
    const s = this.store.get(key);
    return {
      id,
      key,
      observation: s?.observation,
      observationAgeMs: s?.observationAge(now),
      fresh: s?.hasFreshData(now) ?? false,
      lastArrivalAt: s?.lastArrivalAt,
      lastError: s?.lastError,
      arrivals: this.arrivalKinds.get(id),
      rules: this.store.subscribedRules(key),
      scaledObjects: this.registry.usersOf(key).length,
      streams: this.registry.pinsOf(key),
    };
  }

  private touch(so: ScaledObjectName, trigger: TriggerLike): void {
    const hint: WatchHint = { partitioned: trigger.isPartitionedTopic, topic: trigger.topic };
    this.registry.touch(so, trigger.key, trigger.activation, this.clock.now(), hint);
  }

  /** Waits for the key's first observation, until firstReadWaitMs after the key was added. */
  private async firstRead(key: WatchKey): Promise<void> {
    if (this.store.hasObservation(key) || this.closing) return;
    const id = keyId(key);
    const now = this.clock.now();
    await this.waiters.wait(id, (this.addedAt.get(id) ?? now) + this.firstReadWaitMs - now);
  }

  private keyAdded(key: WatchKey, hint: WatchHint): void {
    this.store.addKey(key);
    this.addedAt.set(keyId(key), this.clock.now());
    this.driver.start(key, hint);
  }

  private keyRemoved(key: WatchKey): void {
    const id = keyId(key);
    this.driver.stop(key);
    this.store.removeKey(key);
    this.addedAt.delete(id);
    this.arrivalKinds.delete(id);
    this.listeners.delete(id);
    this.waiters.release(id);
  }

  private dispatch(edge: ActivationEdge): void {
    const id = keyId(edge.key);
    for (const cb of [...(this.listeners.get(id)?.get(ruleId(edge.rule)) ?? [])]) this.call(cb, id);
  }

  private call(cb: () => void, id: string): void {
    try {
      cb();
    } catch (err) {
      this.opts.logger?.warn({ err, key: id }, "activation listener threw");
    }
  }
}
