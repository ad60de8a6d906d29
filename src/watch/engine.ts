import type { Clock, TimerHandle } from "../lib/clock.js";
import type { Logger } from "../lib/logger.js";
import type { ArrivalStatus } from "../pulsar/ports.js";
import type { TopicName } from "../pulsar/topic-name.js";
import { keyId, type ActivationRule, type ScaledObjectName, type WatchKey } from "../state/key.js";
import type { CapacityKind } from "../state/errors.js";
import type { KeyEffect } from "../state/key-effects.js";
import { ruleId, type KeyReport as KeyStateReport } from "../state/key-state.js";
import { KeyTable } from "../state/key-table.js";
import type { KeyTableOptions } from "../state/key-table-types.js";
import type { WatchDriver, WatchHint } from "./driver.js";
import { pollFailure } from "./poll-failure.js";
import { checkTopicKind } from "./topic-kind.js";
import { ServingLog } from "./serving-log.js";
import type { WatchSink } from "./sink.js";
import { DEFAULT_WATCH_TIMINGS, type WatchTimings } from "./timings.js";

/** What the engine needs of a trigger (keda's TriggerSpec satisfies it). */
export interface TriggerLike {
  readonly key: WatchKey;
  readonly activation: ActivationRule;
  readonly topic?: TopicName;
  readonly isPartitionedTopic: boolean | undefined;
}

/** The key table's bounds and waits (KeyTableOptions; stalenessMs defaults to 3 x slowPollMs). */
export interface WatchEngineOptions extends KeyTableOptions {
  readonly clock: Clock;
  /** Used for the default staleness bound (3 x slowPollMs, 90 s). */
  readonly timings?: WatchTimings;
  /**
   * A GetMetrics that finds the observation older than this asks the driver for a poll now (a
   * poll late or lost: KEDA must not be answered from it until it is stale). Default slowPollMs.
   */
  readonly refreshAfterMs?: number;
  /** Interval of the idle-key sweep started by `start()`. Default 30 s. */
  readonly sweepIntervalMs?: number;
  /** Reports onActive callbacks that throw, and keys whose reads start or stop failing (warn/info). */
  readonly logger?: Logger;
  /** Told of each refusal for capacity, by bound (the hub counts them: pps_capacity_refused_total). */
  readonly onCapacityRefused?: (what: CapacityKind) => void;
}

export const DEFAULT_SWEEP_INTERVAL_MS = 30_000;

/** One key as seen by /metrics and the demo. */
export type KeyReport = KeyStateReport<ArrivalStatus["kind"]>;

/** A reader waiting for a key's first observation: how to wake it, and its deadline timer. */
interface Reader {
  readonly resolve: () => void;
  readonly timer: TimerHandle;
}

/**
 * The state behind the KEDA service, and the one place that carries out what the pure key table
 * (`src/state/key-table.ts`) decides: it starts and stops watchers through the attached driver,
 * calls the streams' callbacks on activation edges, wakes waiting readers, and runs the timers
 * (idle sweep, first-read deadlines). Implements keda's StateReader structurally. Reads never touch
 * Pulsar: they record interest, then read memory.
 *
 * Construction is two steps because the driver reports into the engine: build the engine, build
 * the driver over `engine.ingest`, then `attach` it.
 */
export class WatchEngine {
  /** Where watchers (local, or sidecars via the hub) report. */
  readonly ingest: WatchSink;
  private readonly clock: Clock;
  private readonly table: KeyTable<WatchHint, ArrivalStatus["kind"]>;
  private readonly sweepIntervalMs: number;
  private readonly refreshAfterMs: number;
  private readonly servingLog: ServingLog;
  /** Stream callbacks by `listenerId(key, rule)`. */
  private readonly listeners = new Map<string, Set<() => void>>();
  /** Waiting readers by the table's token. */
  private readonly readers = new Map<number, Reader>();
  private driver: WatchDriver | undefined;
  private sweepTimer: TimerHandle | undefined;
  private closing: Promise<void> | undefined;

  constructor(private readonly opts: WatchEngineOptions) {
    this.clock = opts.clock;
    const timings = opts.timings ?? DEFAULT_WATCH_TIMINGS;
    this.table = new KeyTable({
      keyIdleTtlMs: opts.keyIdleTtlMs,
      maxKeys: opts.maxKeys,
      maxScaledObjects: opts.maxScaledObjects,
      stalenessMs: opts.stalenessMs ?? 3 * timings.slowPollMs,
      firstReadWaitMs: opts.firstReadWaitMs,
      errorGraceMs: opts.errorGraceMs,
      neverHealthyTtlMs: opts.neverHealthyTtlMs,
    });
    this.sweepIntervalMs = opts.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS;
    this.refreshAfterMs = opts.refreshAfterMs ?? timings.slowPollMs;
    this.servingLog = new ServingLog(opts.logger);
    this.ingest = {
      observation: (key, obs) => this.apply(this.table.observation(key, obs)),
      arrival: (key, e) => this.apply(this.table.arrival(key, e.receivedAt)),
      error: (key, err) => this.apply(this.table.error(key, err, this.clock.now(), pollFailure(err))),
      arrivalsStatus: (key, s) => this.apply(this.table.arrivalsStatus(key, s.kind)),
    };
  }

  /** The staleness bound of the key table (ms): an observation older than this is not served. */
  get stalenessMs(): number {
    return this.table.options.stalenessMs;
  }

  /** Gives the engine the driver that watches its keys (once, before the first read). */
  attach(driver: WatchDriver): void {
    if (this.driver) throw new Error("the watch engine has a driver already");
    this.driver = driver;
  }

  /** The trigger's metric from a servable observation; TopicKindError when its hint contradicts Pulsar. */
  async metricValue(so: ScaledObjectName, trigger: TriggerLike): Promise<number> {
    this.touch(so, trigger);
    await this.firstRead(trigger.key);
    this.checkKind(trigger);
    const now = this.clock.now();
    const reading = this.table.read(trigger.key, trigger.activation, now);
    if (now - reading.observedAt > this.refreshAfterMs) this.driver?.refresh?.(trigger.key);
    return reading.value;
  }

  /** Active when a message arrived after the newest observation, else from a servable observation. */
  async isActive(so: ScaledObjectName, trigger: TriggerLike): Promise<boolean> {
    this.touch(so, trigger);
    this.checkKind(trigger);
    if (this.table.arrivalPending(trigger.key)) return true;
    await this.firstRead(trigger.key);
    this.checkKind(trigger);
    if (this.table.arrivalPending(trigger.key)) return true;
    return this.table.read(trigger.key, trigger.activation, this.clock.now()).active;
  }

  /**
   * Calls `onActive` at once if the key is active now (newest known facts) under the trigger's
   * rule, then on each edge to active. Keeps the key watched until unsubscribed. Throws CapacityError.
   */
  watchActivation(so: ScaledObjectName, trigger: TriggerLike, onActive: () => void): () => void {
    const { key, activation: rule } = trigger;
    this.touch(so, trigger);
    this.apply(this.table.openStream(key, rule));
    const id = listenerId(key, rule);
    let set = this.listeners.get(id);
    if (!set) this.listeners.set(id, (set = new Set()));
    const cb = () => onActive();
    set.add(cb);
    if (this.table.activation(key, rule) === true) this.call(cb, key);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      set.delete(cb);
      if (set.size === 0 && this.listeners.get(id) === set) this.listeners.delete(id);
      this.apply(this.table.closeStream(key, rule, this.clock.now()));
    };
  }

  /**
   * Readiness: ready when no key is in use, or while Pulsar answers at least one key (a servable
   * observation, or a 404: the cluster is up and only that topic or subscription is wrong). When
   * no key reaches its cluster this replica has lost Pulsar and KEDA should go to another one; a
   * single broken trigger must not take the hub out of its Service, since KEDA would then get
   * connection errors instead of the informative UNAVAILABLE. Each evaluation also logs the keys
   * whose serving state changed (ServingLog: warn once per change, naming cause and answer).
   */
  ready(): boolean {
    const now = this.clock.now();
    const keys = this.table.keys();
    this.servingLog.check(keys, (k) => this.table.servingProblem(k, now));
    return keys.length === 0 || keys.some((k) => this.table.reachesPulsar(k, now));
  }

  /** Drops keys nobody asked about for keyIdleTtlMs (their watching stops); returns them. */
  sweep(): WatchKey[] {
    const effects = this.table.sweep(this.clock.now());
    this.apply(effects);
    return effects.flatMap((e) => (e.kind === "stopWatch" ? [e.key] : []));
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
    this.apply(this.table.wakeAllReaders());
    const keys = this.table.keys();
    const driver = this.driver;
    this.closing = (async () => {
      if (driver?.close) await driver.close();
      else for (const k of keys) driver?.stop(k);
    })();
    return this.closing;
  }

  /** Read-only view of every key in use. */
  keys(): KeyReport[] {
    const now = this.clock.now();
    return this.table.keys().flatMap((k) => this.table.report(k, now) ?? []);
  }

  /** The namespaces of the ScaledObjects using a key (who may watch it for the hub). */
  namespacesOf(key: WatchKey): string[] {
    return [...new Set(this.table.usersOf(key).map((u) => u.so.namespace))];
  }

  /** Read-only view of one key, or undefined when it is not in use. */
  keyReport(key: WatchKey): KeyReport | undefined {
    return this.table.report(key, this.clock.now());
  }

  private touch(so: ScaledObjectName, trigger: TriggerLike): void {
    if (!this.driver) throw new Error("the watch engine has no driver: attach() one before reading");
    const hint: WatchHint = { partitioned: trigger.isPartitionedTopic, topic: trigger.topic };
    this.apply(this.table.touch(so, trigger.key, trigger.activation, hint, this.clock.now()));
  }

  /** A trigger whose isPartitionedTopic contradicts the newest observation fails alone (INVALID_ARGUMENT). */
  private checkKind(trigger: TriggerLike): void {
    const partitions = this.table.partitionsOf(trigger.key);
    checkTopicKind(trigger.key.topic, trigger.isPartitionedTopic, partitions);
  }

  /** Waits for the key's first observation while the table says to (until its first-read deadline). */
  private async firstRead(key: WatchKey): Promise<void> {
    if (this.closing) return;
    const wait = this.table.waitForFirstObservation(key, this.clock.now());
    if (!wait) return;
    // A timer can fire a little before the clock reads its due time (Node's timers and Date.now()
    // are different clocks): when it fires, the deadline has passed.
    const expire = () => this.apply(this.table.expireFirstReads(Math.max(this.clock.now(), wait.deadline)));
    await new Promise<void>((resolve) => {
      const timer = this.clock.setTimeout(expire, wait.deadline - this.clock.now());
      this.readers.set(wait.reader, { resolve, timer });
    });
  }

  /** Carries out the table's effects, in order. */
  private apply(effects: readonly KeyEffect<WatchHint>[]): void {
    for (const e of effects) {
      switch (e.kind) {
        case "startWatch":
          this.driver?.start(e.key, e.hint);
          break;
        case "stopWatch":
          this.driver?.stop(e.key);
          break;
        case "edge":
          for (const cb of [...(this.listeners.get(listenerId(e.key, e.rule)) ?? [])]) this.call(cb, e.key);
          break;
        case "wakeReaders":
          for (const token of e.readers) this.wake(token);
          break;
        case "capacityRefused": // always the last effect of its list
          this.opts.onCapacityRefused?.(e.error.what);
          throw e.error;
      }
    }
  }

  private wake(token: number): void {
    const reader = this.readers.get(token);
    if (!reader) return;
    this.readers.delete(token);
    this.clock.clearTimeout(reader.timer);
    reader.resolve();
  }

  private call(cb: () => void, key: WatchKey): void {
    try {
      cb();
    } catch (err) {
      this.opts.logger?.warn({ err, key: keyId(key) }, "activation listener threw");
    }
  }
}

/** A rule id has no space, so the last space splits this id unambiguously. */
function listenerId(key: WatchKey, rule: ActivationRule): string {
  return `${keyId(key)} ${ruleId(rule)}`;
}
