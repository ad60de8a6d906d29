import { EventEmitter } from "eventemitter3";
import { NoFreshDataError } from "./errors.js";
import { keyId, type ActivationRule, type WatchKey } from "./key.js";
import { KeyState, metricOf, ruleId, type ErrorLike } from "./key-state.js";
import type { Observation } from "./observation.js";

/** Default staleness bound: 3 x the watcher's slow (idle) poll interval of 30 s. */
export const DEFAULT_STALENESS_MS = 90_000;

/** A subscribed rule of a key went from unknown or inactive to active. */
export interface ActivationEdge {
  readonly key: WatchKey;
  readonly rule: ActivationRule;
}

/** A fresh reading of a key under a rule. */
export interface Reading {
  readonly value: number;
  readonly active: boolean;
  readonly observedAt: number;
}

export interface StateStoreEvents {
  edge: [edge: ActivationEdge];
  /** The key got its first observation (readers waiting for it may read now). */
  firstObservation: [key: WatchKey, observation: Observation];
  keyRemoved: [key: WatchKey];
}

export interface StateStoreOptions {
  /** Staleness bound of keys added without their own (ms). Default DEFAULT_STALENESS_MS. */
  readonly stalenessMs?: number;
}

interface RuleEntry {
  readonly rule: ActivationRule;
  refs: number;
  /** Activation when last evaluated; undefined = unknown. */
  active: boolean | undefined;
}

interface Entry {
  readonly state: KeyState;
  readonly rules: Map<string, RuleEntry>;
}

const NO_EDGES: readonly ActivationEdge[] = Object.freeze([]);

/**
 * The state of every watched key. Pure: no I/O, time comes in as arguments. Every apply* returns
 * the activation edges it caused (and emits them as `edge` events): one per subscribed rule that
 * went from unknown or inactive to active. Going inactive and going stale are not edges.
 * apply* on a key that is not in the store is ignored (a late report for a dropped key).
 */
export class StateStore extends EventEmitter<StateStoreEvents> {
  private readonly entries = new Map<string, Entry>();
  private readonly defaultStalenessMs: number;

  constructor(opts: StateStoreOptions = {}) {
    super();
    this.defaultStalenessMs = opts.stalenessMs ?? DEFAULT_STALENESS_MS;
  }

  /** Adds a key (idempotent; an existing key keeps its state and bound). */
  addKey(key: WatchKey, opts: { stalenessMs?: number } = {}): void {
    const id = keyId(key);
    if (this.entries.has(id)) return;
    const state = new KeyState(key, opts.stalenessMs ?? this.defaultStalenessMs);
    this.entries.set(id, { state, rules: new Map() });
  }

  /** Drops a key and its subscriptions; emits `keyRemoved`. Returns whether it was there. */
  removeKey(key: WatchKey): boolean {
    const deleted = this.entries.delete(keyId(key));
    if (deleted) this.emit("keyRemoved", key);
    return deleted;
  }

  has(key: WatchKey): boolean {
    return this.entries.has(keyId(key));
  }

  keys(): WatchKey[] {
    return [...this.entries.values()].map((e) => e.state.key);
  }

  /** Read-only view of a key's state (introspection). */
  get(key: WatchKey): Readonly<KeyState> | undefined {
    return this.entries.get(keyId(key))?.state;
  }

  applyObservation(key: WatchKey, obs: Observation): readonly ActivationEdge[] {
    const e = this.entries.get(keyId(key));
    if (!e) return NO_EDGES;
    const first = e.state.observation === undefined;
    if (!e.state.applyObservation(obs)) return NO_EDGES;
    const edges = this.evaluate(e);
    if (first) this.emit("firstObservation", e.state.key, obs);
    return edges;
  }

  /** A message was received at `at` (epoch ms). */
  applyArrival(key: WatchKey, at: number): readonly ActivationEdge[] {
    const e = this.entries.get(keyId(key));
    if (!e) return NO_EDGES;
    e.state.applyArrival(at);
    return this.evaluate(e);
  }

  /** Records the key's last error. Errors never change activation, so this returns no edges. */
  applyError(key: WatchKey, err: ErrorLike, at: number): readonly ActivationEdge[] {
    this.entries.get(keyId(key))?.state.applyError(err, at);
    return NO_EDGES;
  }

  /**
   * Subscribes a rule on a key (ref-counted per distinct rule; adds the key when missing). The
   * rule's previous activation starts at the current one, so subscribing is never an edge.
   */
  subscribe(key: WatchKey, rule: ActivationRule): void {
    this.addKey(key);
    const e = this.entries.get(keyId(key));
    if (!e) return;
    const id = ruleId(rule);
    const r = e.rules.get(id);
    if (r) r.refs++;
    else e.rules.set(id, { rule, refs: 1, active: e.state.activation(rule) });
  }

  /** Releases one reference of a rule; idempotent past zero. */
  unsubscribe(key: WatchKey, rule: ActivationRule): void {
    const e = this.entries.get(keyId(key));
    const id = ruleId(rule);
    const r = e?.rules.get(id);
    if (!e || !r) return;
    if (--r.refs <= 0) e.rules.delete(id);
  }

  /** Subscribed rules of a key with their reference counts (introspection, tests). */
  subscribedRules(key: WatchKey): { rule: ActivationRule; refs: number; active: boolean | undefined }[] {
    const e = this.entries.get(keyId(key));
    return e ? [...e.rules.values()].map((r) => ({ rule: r.rule, refs: r.refs, active: r.active })) : [];
  }

  /** Activation from the newest known facts, ignoring staleness (what streams report). */
  activation(key: WatchKey, rule: ActivationRule): boolean | undefined {
    return this.entries.get(keyId(key))?.state.activation(rule);
  }

  /** An arrival newer than the newest observation: active whatever the numbers (no number made up). */
  arrivalPending(key: WatchKey): boolean {
    return this.entries.get(keyId(key))?.state.arrivalPending() ?? false;
  }

  hasObservation(key: WatchKey): boolean {
    return this.entries.get(keyId(key))?.state.observation !== undefined;
  }

  hasFreshData(key: WatchKey, now: number): boolean {
    return this.entries.get(keyId(key))?.state.hasFreshData(now) ?? false;
  }

  /**
   * The key's metric and activation under `rule` from its newest observation, if that is within the
   * staleness bound. Throws NoFreshDataError naming the key, the observation age and the last error.
   */
  read(key: WatchKey, rule: ActivationRule, now: number): Reading {
    const e = this.entries.get(keyId(key));
    const obs = e?.state.observation;
    if (!e || !obs || !e.state.hasFreshData(now)) throw noFreshData(key, e?.state, now);
    return {
      value: metricOf(obs, rule.metric),
      active: e.state.activation(rule) === true,
      observedAt: obs.observedAt,
    };
  }

  private evaluate(e: Entry): readonly ActivationEdge[] {
    const edges: ActivationEdge[] = [];
    for (const r of e.rules.values()) {
      const now = e.state.activation(r.rule);
      if (now === true && r.active !== true) edges.push({ key: e.state.key, rule: r.rule });
      r.active = now;
    }
    for (const edge of edges) this.emit("edge", edge);
    return edges;
  }
}

/** The NoFreshDataError for a key: says why (none yet, or how old) and the last error. */
export function noFreshData(key: WatchKey, state: KeyState | undefined, now: number): NoFreshDataError {
  const id = keyId(key);
  if (!state) return new NoFreshDataError(`no data for ${id}: the key is not watched`);
  const age = state.observationAge(now);
  const why =
    age === undefined
      ? `no stats observed yet for ${id}`
      : `no fresh stats for ${id}: newest observation is ${age} ms old (staleness bound ${state.stalenessMs} ms)`;
  const err = state.lastError;
  const last = err
    ? `; last error ${now - err.at} ms ago: ${err.name}: ${err.message}`
    : "; no error recorded";
  return new NoFreshDataError(why + last);
}
