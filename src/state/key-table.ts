import {
  noFreshData,
  notObserved,
  tooManyKeys,
  tooManyScaledObjects,
  type CapacityError,
  type NoFreshDataError,
} from "./errors.js";
import type { KeyEffect } from "./key-effects.js";
import { keyId, type ActivationRule, type ScaledObjectName, type WatchKey } from "./key.js";
import { KeyState, metricOf, type ErrorLike, type KeyReport } from "./key-state.js";
import {
  KEY_TABLE_DEFAULTS,
  type FirstReadWait,
  type KeyTableOptions,
  type Reading,
} from "./key-table-types.js";
import type { Observation } from "./observation.js";
import { isMissing, type PollFailure } from "./poll-health.js";

const soId = (so: ScaledObjectName) => `${so.namespace}/${so.name}`;

/**
 * Everything the hub knows per key, in one table: which ScaledObjects use it (with their rule and
 * when they last asked) and which streams keep it, the newest observation, arrival and error, the
 * subscribed rules with their last activation, and the readers waiting for its first observation.
 * Pure: time comes in as arguments, and every change returns the effects to carry out (KeyEffect).
 *
 * - Keys are shared: many ScaledObjects (and many triggers of one) may use one key; it is watched
 *   once. Each (ScaledObject, key) use expires after `keyIdleTtlMs` without a call (after
 *   `neverHealthyTtlMs` for a key that never had an observation nor an open stream); a ScaledObject
 *   whose trigger changed uses the new key at once and lets go of the old one when that use expires
 *   (KEDA requests do not say which trigger they are for, so a changed trigger cannot be told from
 *   a second trigger). A key is dropped when no use and no open stream is left; expiry runs in
 *   `sweep(now)`, and before a capacity refusal.
 * - Capacity (`maxKeys`, `maxScaledObjects`): when full, the table sweeps, so what never was
 *   healthy and went quiet for `neverHealthyTtlMs` makes room; healthy keys are never pushed out,
 *   and a newcomer is refused when there is still no room (`capacityRefused`).
 * - Edges: one per subscribed rule that went from unknown or inactive to active. Going inactive
 *   and going stale are not edges; subscribing is not an edge.
 * - Reports of a key that is not in the table are ignored (a late report for a dropped key).
 * - A reader waits for the first observation until `firstReadWaitMs` after the key was added; it
 *   is woken by that observation, by the key going away, or by `expireFirstReads(now)`.
 */
export class KeyTable<H = undefined, A extends string = string> {
  private readonly states = new Map<string, KeyState<H, A>>();
  /** ScaledObject id -> ids of the keys it uses. */
  private readonly sos = new Map<string, Set<string>>();
  private lastReader = 0;
  readonly options: Readonly<Required<KeyTableOptions>>;

  constructor(opts: KeyTableOptions = {}) {
    this.options = Object.freeze({ ...KEY_TABLE_DEFAULTS, ...stripUndefined(opts) });
  }

  // ---- interest -----------------------------------------------------------------------------

  /**
   * `so` asked about `key` under `rule` at `now`. A new key is added and watched (`startWatch`
   * with `hint`). A new key or ScaledObject that does not fit, even after a sweep, is refused
   * (`capacityRefused`, last) and leaves nothing behind.
   */
  touch(so: ScaledObjectName, key: WatchKey, rule: ActivationRule, hint: H, now: number): KeyEffect<H>[] {
    const kid = keyId(key);
    const sid = soId(so);
    const out: KeyEffect<H>[] = [];
    if (!this.states.has(kid) || !this.sos.has(sid)) {
      const error = this.makeRoom(kid, sid, now, out);
      if (error) return [...out, { kind: "capacityRefused", key, error }];
    }
    let state = this.states.get(kid);
    if (!state) {
      const o = this.options;
      state = new KeyState<H, A>(key, hint, o.stalenessMs, now, o.firstReadWaitMs, o.errorGraceMs);
      this.states.set(kid, state);
      out.push({ kind: "startWatch", key, hint });
    }
    state.use(sid, so, rule, now);
    let keys = this.sos.get(sid);
    if (!keys) this.sos.set(sid, (keys = new Set()));
    keys.add(kid);
    return out;
  }

  /**
   * A stream opened on a key in the table: it keeps the key however idle, and subscribes `rule`
   * (ref-counted per distinct rule). The rule's last activation starts at the current one.
   */
  openStream(key: WatchKey, rule: ActivationRule): KeyEffect<H>[] {
    this.states.get(keyId(key))?.subscribe(rule);
    return [];
  }

  /** A stream closed: releases its rule and its hold; the idle time counts from `now`. Idempotent past zero. */
  closeStream(key: WatchKey, rule: ActivationRule, now: number): KeyEffect<H>[] {
    this.states.get(keyId(key))?.unsubscribe(rule, now);
    return [];
  }

  /**
   * Expires uses and keys idle for `keyIdleTtlMs` or longer, and those of a key that never was
   * healthy (no observation ever, no open stream) idle for `neverHealthyTtlMs`: a name that does
   * not exist stops costing a watcher and a table slot within a minute of its last call.
   * Effects: `stopWatch` (and `wakeReaders`) per key dropped.
   */
  sweep(now: number): KeyEffect<H>[] {
    const { keyIdleTtlMs, neverHealthyTtlMs } = this.options;
    const cutoffOf = (state: KeyState<H, A>) =>
      now - (state.healthy ? keyIdleTtlMs : Math.min(keyIdleTtlMs, neverHealthyTtlMs));
    for (const [kid, state] of this.states) {
      const cutoff = cutoffOf(state);
      for (const [sid, use] of state.uses) if (use.lastSeenAt <= cutoff) this.dropUse(state, sid, kid);
    }
    const out: KeyEffect<H>[] = [];
    for (const [kid, state] of this.states) {
      if (state.streams > 0 || state.uses.size > 0 || state.lastInterestAt > cutoffOf(state)) continue;
      this.states.delete(kid);
      out.push({ kind: "stopWatch", key: state.key }, ...this.wake(state));
    }
    return out;
  }

  // ---- facts from the watchers --------------------------------------------------------------

  /**
   * Records an observation unless it is older than the newest one (out-of-order reports, e.g. two
   * watchers during a hand-over). Effects: edges, and `wakeReaders` on the key's first observation.
   */
  observation(key: WatchKey, obs: Observation): KeyEffect<H>[] {
    const state = this.states.get(keyId(key));
    const first = state?.observation === undefined;
    if (!state?.recordObservation(obs)) return [];
    return first ? [...this.edges(state), ...this.wake(state)] : this.edges(state);
  }

  /** A message was received at `at` (epoch ms). Effects: edges. */
  arrival(key: WatchKey, at: number): KeyEffect<H>[] {
    const state = this.states.get(keyId(key));
    if (!state) return [];
    state.recordArrival(at);
    return this.edges(state);
  }

  /**
   * Records a failed poll of the key at `at` (`why`: the engine's classification; the error grace
   * and 404s make reads fail, see `read`). Errors never change activation. A 404 wakes the readers
   * waiting for a first observation: the answer is known now (`wakeReaders`).
   */
  error(key: WatchKey, err: ErrorLike, at: number, why: PollFailure = "failed"): KeyEffect<H>[] {
    const state = this.states.get(keyId(key));
    if (!state) return [];
    state.lastError = { name: err.name, message: err.message, at };
    state.polls.failed(why, at);
    return isMissing(why) ? this.wake(state) : [];
  }

  /** Records the arrival reader's state (introspection): no effects. */
  arrivalsStatus(key: WatchKey, status: A): KeyEffect<H>[] {
    const state = this.states.get(keyId(key));
    if (state) state.arrivals = status;
    return [];
  }

  // ---- first reads --------------------------------------------------------------------------

  /**
   * A reader of `key` at `now`: undefined when it need not wait (observed already, past the
   * first-read deadline, or not in the table), else its token, woken by a later `wakeReaders`.
   * The caller makes sure `expireFirstReads` runs at `deadline`.
   */
  waitForFirstObservation(key: WatchKey, now: number): FirstReadWait | undefined {
    const state = this.states.get(keyId(key));
    if (!state || state.observation !== undefined || now >= state.firstReadDeadline) return undefined;
    const reader = ++this.lastReader;
    state.readers.add(reader);
    return { reader, deadline: state.firstReadDeadline };
  }

  /** Wakes the readers of every key whose first-read deadline is at or before `now`. */
  expireFirstReads(now: number): KeyEffect<H>[] {
    const out: KeyEffect<H>[] = [];
    for (const state of this.states.values())
      if (state.firstReadDeadline <= now) out.push(...this.wake(state));
    return out;
  }

  /** Wakes every waiting reader (shutdown). */
  wakeAllReaders(): KeyEffect<H>[] {
    return [...this.states.values()].flatMap((state) => this.wake(state));
  }

  // ---- reads --------------------------------------------------------------------------------

  /**
   * The key's metric and activation under `rule` from its newest observation, if that is within the
   * staleness bound, no 404 came since the last good poll, and the polls have not all failed for
   * the error grace. Throws NoFreshDataError naming the key and the cause (what is missing, how
   * long polls have failed, or the observation's age) with the last error.
   */
  read(key: WatchKey, rule: ActivationRule, now: number): Reading {
    const state = this.states.get(keyId(key));
    const obs = state?.observation;
    if (!state || !obs || !state.servable(now)) throw noFreshData(key, state, now);
    const value = metricOf(obs, rule.metric);
    if (value === undefined) throw notObserved(key, rule.metric);
    return {
      value,
      active: state.activation(rule) === true,
      observedAt: obs.observedAt,
    };
  }

  /** Activation from the newest known facts, ignoring staleness (what streams report). */
  activation(key: WatchKey, rule: ActivationRule): boolean | undefined {
    return this.states.get(keyId(key))?.activation(rule);
  }

  /** An arrival newer than the newest observation: active whatever the numbers (no number made up). */
  arrivalPending(key: WatchKey): boolean {
    return this.states.get(keyId(key))?.arrivalPending() ?? false;
  }

  /** The partition count of the key's newest observation (0: not partitioned), or undefined before one. */
  partitionsOf(key: WatchKey): number | undefined {
    return this.states.get(keyId(key))?.observation?.partitions;
  }

  hasFreshData(key: WatchKey, now: number): boolean {
    return this.states.get(keyId(key))?.hasFreshData(now) ?? false;
  }

  /** Whether Pulsar answered the key lately (a good poll, or a 404): see KeyState.reachesPulsar. */
  reachesPulsar(key: WatchKey, now: number): boolean {
    return this.states.get(keyId(key))?.reachesPulsar(now) ?? false;
  }

  /**
   * Why reads of `key` fail at `now` (what KEDA is told), or undefined when they serve, or while
   * nothing is known yet (a new key waiting for its first poll is not a problem).
   */
  servingProblem(key: WatchKey, now: number): NoFreshDataError | undefined {
    const state = this.states.get(keyId(key));
    if (!state?.known || state.servable(now)) return undefined;
    return noFreshData(key, state, now);
  }

  has(key: WatchKey): boolean {
    return this.states.has(keyId(key));
  }

  keys(): WatchKey[] {
    return [...this.states.values()].map((s) => s.key);
  }

  get keyCount(): number {
    return this.states.size;
  }

  get scaledObjectCount(): number {
    return this.sos.size;
  }

  /** The ScaledObjects using a key, with the rule each uses. */
  usersOf(key: WatchKey): { so: ScaledObjectName; rule: ActivationRule; lastSeenAt: number }[] {
    const uses = this.states.get(keyId(key))?.uses.values() ?? [];
    return [...uses].map((u) => ({ so: u.so, rule: u.rule, lastSeenAt: u.lastSeenAt }));
  }

  /** The keys a ScaledObject uses. */
  keysOf(so: ScaledObjectName): WatchKey[] {
    return [...(this.sos.get(soId(so)) ?? [])].flatMap((kid) => this.states.get(kid)?.key ?? []);
  }

  /** Open streams on a key. */
  streamsOf(key: WatchKey): number {
    return this.states.get(keyId(key))?.streams ?? 0;
  }

  /** Subscribed rules of a key with their reference counts and last activation. */
  subscribedRules(key: WatchKey): { rule: ActivationRule; refs: number; active: boolean | undefined }[] {
    return this.states.get(keyId(key))?.subscribedRules() ?? [];
  }

  /** Read-only view of one key at `now`, or undefined when it is not in the table. */
  report(key: WatchKey, now: number): KeyReport<A> | undefined {
    return this.states.get(keyId(key))?.report(now);
  }

  // ---- internals ----------------------------------------------------------------------------

  /**
   * When `kid` or `sid` is new and does not fit: sweeps (which drops what never was healthy and
   * went quiet for `neverHealthyTtlMs`, see `sweep`); returns the refusal if it still does not fit.
   * Healthy keys, and ScaledObjects using one, are never pushed out, so junk cannot evict them.
   */
  private makeRoom(kid: string, sid: string, now: number, out: KeyEffect<H>[]): CapacityError | undefined {
    const { maxKeys, maxScaledObjects } = this.options;
    const keysFull = () => !this.states.has(kid) && this.states.size >= maxKeys;
    const sosFull = () => !this.sos.has(sid) && this.sos.size >= maxScaledObjects;
    if (keysFull() || sosFull()) out.push(...this.sweep(now));
    if (keysFull()) return tooManyKeys(kid, this.states.size, maxKeys);
    if (sosFull()) return tooManyScaledObjects(sid, this.sos.size, maxScaledObjects);
    return undefined;
  }

  private dropUse(state: KeyState<H, A>, sid: string, kid: string): void {
    state.uses.delete(sid);
    const keys = this.sos.get(sid);
    keys?.delete(kid);
    if (keys?.size === 0) this.sos.delete(sid);
  }

  private edges(state: KeyState<H, A>): KeyEffect<H>[] {
    return state.newlyActive().map((rule) => ({ kind: "edge", key: state.key, rule }));
  }

  private wake(state: KeyState<H, A>): KeyEffect<H>[] {
    const readers = state.takeReaders();
    return readers.length === 0 ? [] : [{ kind: "wakeReaders", key: state.key, readers }];
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
