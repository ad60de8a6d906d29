import type { ActivationRule, MetricKind, WatchKey } from "./key.js";
import type { Observation } from "./observation.js";

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

/** The number a metric kind reads from an observation. */
export function metricOf(obs: Observation, metric: MetricKind): number {
  return metric === "msgBacklog" ? obs.msgBacklog : obs.msgBacklogNoDelayed;
}

/**
 * Everything known about one key: the newest observation, the newest arrival and the last error.
 * Pure: time comes in as arguments.
 *
 * Activation under a rule: active iff an arrival was received strictly after the newest
 * observation's `observedAt` (the request start: an arrival received at or before it is already in
 * the numbers), or the metric of the newest observation exceeds the threshold. Unknown (`undefined`)
 * when there is neither an observation nor an arrival.
 */
export class KeyState {
  private obs: Observation | undefined;
  private arrivalAt: number | undefined;
  private err: LastError | undefined;

  constructor(
    readonly key: WatchKey,
    /** An observation older than this (ms) is stale: reads fail rather than serve it. */
    readonly stalenessMs: number,
  ) {}

  get observation(): Observation | undefined {
    return this.obs;
  }

  /** Receive time of the newest arrival (epoch ms). */
  get lastArrivalAt(): number | undefined {
    return this.arrivalAt;
  }

  /** The last error recorded; kept after recovery (with its time) for diagnosis. */
  get lastError(): LastError | undefined {
    return this.err;
  }

  /**
   * Records an observation unless it is older than the newest one (out-of-order reports, e.g. two
   * watchers during a hand-over). Returns whether it was recorded.
   */
  applyObservation(obs: Observation): boolean {
    if (this.obs !== undefined && obs.observedAt < this.obs.observedAt) return false;
    this.obs = obs;
    return true;
  }

  applyArrival(at: number): void {
    if (this.arrivalAt === undefined || at > this.arrivalAt) this.arrivalAt = at;
  }

  applyError(err: ErrorLike, at: number): void {
    this.err = { name: err.name, message: err.message, at };
  }

  /** Age of the newest observation at `now`, or undefined when there is none. */
  observationAge(now: number): number | undefined {
    return this.obs === undefined ? undefined : now - this.obs.observedAt;
  }

  /** True iff there is an observation and its age is at most the staleness bound. */
  hasFreshData(now: number): boolean {
    const age = this.observationAge(now);
    return age !== undefined && age <= this.stalenessMs;
  }

  /** An arrival newer than the newest observation (or an arrival and no observation yet). */
  arrivalPending(): boolean {
    if (this.arrivalAt === undefined) return false;
    return this.obs === undefined || this.arrivalAt > this.obs.observedAt;
  }

  /** Activation under `rule` from the newest known facts, ignoring staleness; undefined = unknown. */
  activation(rule: ActivationRule): boolean | undefined {
    if (this.arrivalPending()) return true;
    if (this.obs === undefined) return undefined;
    return metricOf(this.obs, rule.metric) > rule.threshold;
  }
}
