import { keyId, type ActivationRule, type MetricKind, type ScaledObjectName, type WatchKey } from "./key.js";
import type { Observation } from "./observation.js";
import { PollHealth } from "./poll-health.js";

/** What is kept of an error: its class name, its message and when it was recorded (epoch ms). */
export interface LastError {
  readonly name: string;
  readonly message: string;
  readonly at: number;
}

/** Anything with a name and a message: an Error, or an error report from a sidecar. */
export interface ErrorLike {
  readonly name: string;
  readonly message: string;
}

/** Stable string id of a rule, e.g. `msgBacklog>0`. */
export function ruleId(rule: ActivationRule): string {
  return `${rule.metric}>${rule.threshold}`;
}

/** The number a metric kind reads from an observation; undefined when the read did not carry it. */
export function metricOf(obs: Observation, metric: MetricKind): number | undefined {
  switch (metric) {
    case "msgBacklog":
      return obs.msgBacklog;
    case "msgBacklogNoDelayed":
      return obs.msgBacklogNoDelayed;
    case "msgBacklogBytes":
      return obs.msgBacklogBytes;
    case "backlogAgeSeconds":
      return obs.backlogAgeSeconds;
  }
}

/**
 * The activation rule (docs/watch-engine.md, Activation): active when the metric of the newest
 * observation exceeds the threshold. The key state adds arrivals on top (an arrival newer than the
 * observation is active whatever the numbers); `check`, which reads once, uses this directly.
 */
export function observationActive(obs: Observation, rule: ActivationRule): boolean {
  const v = metricOf(obs, rule.metric);
  // A number the read did not carry activates nothing (arrivals still do).
  return v !== undefined && v > rule.threshold;
}

/** How one ScaledObject uses a key: the rule of its trigger and when it last asked. */
export interface Use {
  readonly so: ScaledObjectName;
  rule: ActivationRule;
  lastSeenAt: number;
}

/** A rule that open streams subscribe to, reference-counted, with its activation when last evaluated. */
export interface SubscribedRule {
  readonly rule: ActivationRule;
  refs: number;
  /** undefined = unknown. */
  active: boolean | undefined;
}

/** One key as /metrics and the demo see it. `A` names the arrival reader's state. */
export interface KeyReport<A extends string = string> {
  readonly id: string;
  readonly key: WatchKey;
  readonly observation: Observation | undefined;
  readonly observationAgeMs: number | undefined;
  readonly fresh: boolean;
  readonly lastArrivalAt: number | undefined;
  readonly lastError: LastError | undefined;
  readonly arrivals: A | undefined;
  readonly rules: readonly { rule: ActivationRule; refs: number; active: boolean | undefined }[];
  readonly scaledObjects: number;
  /** The ScaledObjects using the key and their rules (the status page names them). */
  readonly users: readonly { so: ScaledObjectName; rule: ActivationRule }[];
  readonly streams: number;
}

/**
 * Everything known about one key, as the key table keeps it: who uses it (ScaledObjects, open
 * streams), what is known of it (the newest observation, the newest arrival, the last error), the
 * subscribed rules with their last activation, and the readers waiting for its first observation.
 * `H` is the caller's watch hint, `A` the caller's name for the arrival reader's state. Only the
 * key table (`key-table.ts`) holds and changes it; others get a KeyReport.
 *
 * Activation under a rule: active iff an arrival was received strictly after the newest
 * observation's `observedAt` (the request start: an arrival received at or before it is already in
 * the numbers), or the metric of the newest observation exceeds the threshold. Unknown (`undefined`)
 * when there is neither an observation nor an arrival.
 */
export class KeyState<H = undefined, A extends string = string> {
  observation: Observation | undefined;
  /** Receive time of the newest arrival (epoch ms). */
  lastArrivalAt: number | undefined;
  /** The last error recorded; kept after recovery (with its time) for diagnosis. */
  lastError: LastError | undefined;
  /** The failures of the stats polls since the last good one (the error grace, 404s). */
  readonly polls = new PollHealth();
  /** The arrival reader's state, as its watcher last said (introspection). */
  arrivals: A | undefined;
  /** ScaledObject id -> its use of this key. */
  readonly uses = new Map<string, Use>();
  /** Open streams: each keeps the key however long since the last call. */
  streams = 0;
  /** Newest call or stream close; the idle time counts from here. */
  lastInterestAt: number;
  /** Rule id -> subscribed rule. */
  readonly rules = new Map<string, SubscribedRule>();
  /** Tokens of the readers waiting for the first observation. */
  readonly readers = new Set<number>();
  /** Until when a read waits for the first observation (epoch ms). */
  readonly firstReadDeadline: number;

  constructor(
    readonly key: WatchKey,
    /** What the first caller said about the key's topic. */
    readonly hint: H,
    /** An observation older than this (ms) is stale: reads fail rather than serve it. */
    readonly stalenessMs: number,
    addedAt: number,
    firstReadWaitMs: number,
    /** Every poll failing for this long (ms) makes reads fail however young the observation. */
    readonly errorGraceMs: number,
  ) {
    this.lastInterestAt = addedAt;
    this.firstReadDeadline = addedAt + firstReadWaitMs;
  }

  /** How `so` (id `sid`) uses the key since `now`: a changed rule replaces the old one. */
  use(sid: string, so: ScaledObjectName, rule: ActivationRule, now: number): void {
    this.lastInterestAt = Math.max(this.lastInterestAt, now);
    const use = this.uses.get(sid);
    if (use) Object.assign(use, { rule, lastSeenAt: now });
    else this.uses.set(sid, { so: { namespace: so.namespace, name: so.name }, rule, lastSeenAt: now });
  }

  /** A stream opened: one more hold, one more reference of `rule` (never an edge). */
  subscribe(rule: ActivationRule): void {
    this.streams++;
    const id = ruleId(rule);
    const r = this.rules.get(id);
    if (r) r.refs++;
    else this.rules.set(id, { rule, refs: 1, active: this.activation(rule) });
  }

  /** A stream closed: releases its rule and its hold; the idle time counts from `now`. */
  unsubscribe(rule: ActivationRule, now: number): void {
    const id = ruleId(rule);
    const r = this.rules.get(id);
    if (r && --r.refs <= 0) this.rules.delete(id);
    if (this.streams === 0) return;
    this.streams--;
    this.lastInterestAt = Math.max(this.lastInterestAt, now);
  }

  /**
   * Records an observation unless it is older than the newest one. Returns whether it was recorded.
   * Either way a poll answered: its failures are forgotten (service is restored at once).
   */
  recordObservation(obs: Observation): boolean {
    this.polls.succeeded();
    if (this.observation !== undefined && obs.observedAt < this.observation.observedAt) return false;
    this.observation = obs;
    return true;
  }

  recordArrival(at: number): void {
    if (this.lastArrivalAt === undefined || at > this.lastArrivalAt) this.lastArrivalAt = at;
  }

  /** The subscribed rules whose activation became true since last evaluated; remembers each. */
  newlyActive(): ActivationRule[] {
    const out: ActivationRule[] = [];
    for (const r of this.rules.values()) {
      const active = this.activation(r.rule);
      if (active === true && r.active !== true) out.push(r.rule);
      r.active = active;
    }
    return out;
  }

  /** The waiting readers' tokens; none wait afterwards. */
  takeReaders(): number[] {
    const readers = [...this.readers];
    this.readers.clear();
    return readers;
  }

  /** Age of the newest observation at `now`, or undefined when there is none. */
  observationAge(now: number): number | undefined {
    return this.observation === undefined ? undefined : now - this.observation.observedAt;
  }

  /**
   * Healthy: it had an observation (however old now) or a stream keeps it. A key that never was
   * is dropped after `neverHealthyTtlMs` without a call (key-table.ts, sweep): a name that does not
   * exist must not hold a watcher and a table slot for the 10 min idle TTL.
   */
  get healthy(): boolean {
    return this.observation !== undefined || this.streams > 0;
  }

  /** True iff there is an observation and its age is at most the staleness bound. */
  hasFreshData(now: number): boolean {
    const age = this.observationAge(now);
    return age !== undefined && age <= this.stalenessMs;
  }

  /**
   * Whether reads serve the newest observation at `now`: fresh (within the staleness bound), no 404
   * since the last good poll, and not every poll failing for `errorGraceMs` or longer.
   */
  servable(now: number): boolean {
    return this.hasFreshData(now) && !this.polls.blocks(now, this.errorGraceMs);
  }

  /**
   * Whether Pulsar answered this key lately (readiness): reads are servable, or a 404 came within
   * the staleness bound (the cluster is up; the topic or subscription is what is wrong).
   */
  reachesPulsar(now: number): boolean {
    const missing = this.polls.missing;
    return this.servable(now) || (missing !== undefined && now - missing.at <= this.stalenessMs);
  }

  /** Whether anything is known yet: an observation or a failed poll (a new key is neither). */
  get known(): boolean {
    return this.observation !== undefined || this.lastError !== undefined;
  }

  /** An arrival newer than the newest observation (or an arrival and no observation yet). */
  arrivalPending(): boolean {
    if (this.lastArrivalAt === undefined) return false;
    return this.observation === undefined || this.lastArrivalAt > this.observation.observedAt;
  }

  /** Activation under `rule` from the newest known facts, ignoring staleness; undefined = unknown. */
  activation(rule: ActivationRule): boolean | undefined {
    if (this.arrivalPending()) return true;
    if (this.observation === undefined) return undefined;
    return observationActive(this.observation, rule);
  }

  subscribedRules(): { rule: ActivationRule; refs: number; active: boolean | undefined }[] {
    return [...this.rules.values()].map((r) => ({ rule: r.rule, refs: r.refs, active: r.active }));
  }

  report(now: number): KeyReport<A> {
    return {
      id: keyId(this.key),
      key: this.key,
      observation: this.observation,
      observationAgeMs: this.observationAge(now),
      fresh: this.hasFreshData(now),
      lastArrivalAt: this.lastArrivalAt,
      lastError: this.lastError,
      arrivals: this.arrivals,
      rules: this.subscribedRules(),
      scaledObjects: this.uses.size,
      users: [...this.uses.values()].map((u) => ({ so: u.so, rule: u.rule })),
      streams: this.streams,
    };
  }
}
