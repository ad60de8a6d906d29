import type { ArrivalTransport } from "../pulsar/index.js";
import type { Hint } from "./hints.js";
import type { Typo } from "./typos.js";

/** KEDA's defaults for a ScaledObject without minReplicaCount / maxReplicaCount. */
export const KEDA_MIN_REPLICAS = 0;
export const KEDA_MAX_REPLICAS = 100;

/** Where the trigger metadata came from. */
export type ReportSource =
  | { readonly kind: "flags" }
  | {
      readonly kind: "scaled-object";
      readonly file: string;
      readonly name: string;
      readonly namespace: string | null;
      readonly triggerIndex: number;
      readonly triggerType: string;
    };

export interface ReplicaEstimate {
  /** What the target would run: 0 when KEDA deactivates it, else the HPA's answer within min..max. */
  readonly desired: number;
  /** ceil(metric value / msgBacklogThreshold): the HPA's AverageValue formula from zero. */
  readonly hpa: number;
  readonly min: number;
  readonly max: number;
  readonly why: string;
}

/** What check found: the same fields as text and as JSON (`--json`). Absent parts were not reached. */
export interface Report {
  readonly ok: boolean;
  readonly verdict: string;
  readonly source: ReportSource;
  /** Things to know that are not errors (ScaledObject advice, subscription type...). */
  readonly notes: readonly string[];
  /** Unknown metadata keys close to a known one (likely typos); present only when there are some. */
  readonly typos?: readonly Typo[];
  readonly cluster?: { readonly name: string; readonly adminUrl: string; readonly auth: string };
  readonly trigger?: {
    readonly topic: string;
    readonly subscription: string;
    readonly metric: string;
    readonly msgBacklogThreshold: number;
    readonly activationMsgBacklogThreshold: number;
    readonly isPartitionedTopic: boolean | null;
  };
  /** GetMetricSpec's answer: it depends on the metadata alone. */
  readonly metricSpec?: {
    readonly metricName: string;
    readonly targetSize: number;
    readonly targetSizeFloat: number;
  };
  readonly topic?: {
    readonly partitioned: boolean;
    readonly partitions: number;
    readonly determinedBy: "metadata" | "detected";
  };
  /**
   * How the key's watcher learns of arrivals, and why (chooseTransport, with the WebSocket service
   * asked once when it is the choice); url null for polling.
   */
  readonly arrivals?: {
    readonly transport: ArrivalTransport;
    readonly url: string | null;
    readonly why: string;
  };
  readonly subscription?: {
    readonly name: string;
    readonly type: string | null;
    readonly msgBacklog: number;
    readonly msgBacklogNoDelayed: number;
    readonly unackedMessages: number;
    readonly consumers: number;
    readonly msgRateOut: number;
  };
  /** GetMetrics's answer. */
  readonly metricValue?: { readonly metricValue: number; readonly metricValueFloat: number };
  /** IsActive's answer from these stats (a message arriving later also activates). */
  readonly isActive?: boolean;
  readonly replicas?: ReplicaEstimate;
  readonly error?: Hint & {
    readonly class: string;
    readonly message: string;
    /** The topic's subscriptions (readers included), after a subscription-not-found. */
    readonly subscriptions?: readonly string[];
  };
}

/** The replicas an HPA with an AverageValue target would ask for, as KEDA drives it. */
export function replicasFor(
  value: number,
  threshold: number,
  active: boolean,
  minReplicas: number | undefined,
  maxReplicas: number | undefined,
): ReplicaEstimate {
  const min = minReplicas ?? KEDA_MIN_REPLICAS;
  const max = maxReplicas ?? KEDA_MAX_REPLICAS;
  const hpa = Math.ceil(value / threshold);
  if (!active && min === 0) {
    return {
      desired: 0,
      hpa,
      min,
      max,
      why: "not active and minReplicaCount 0: KEDA scales the target to zero after cooldownPeriod",
    };
  }
  const desired = Math.min(max, Math.max(min, 1, hpa));
  const formula = `ceil(${value} / ${threshold}) = ${hpa}`;
  const clamp = desired === hpa ? "" : `, kept within ${Math.max(min, 1)}..${max}`;
  return {
    desired,
    hpa,
    min,
    max,
    why: `${formula}${clamp} (HPA AverageValue; the HPA also applies a 10% tolerance and its scaling behavior)`,
  };
}

/** The typos as a verdict names them: `"msgBacklogThresold" (msgBacklogThreshold?)`. */
export function typoList(typos: readonly Typo[]): string {
  return typos.map((t) => `${JSON.stringify(t.key)} (${t.resembles}?)`).join(", ");
}

/**
 * One line a person reads first. A likely typo turns an answer into a warning: the hub ignores
 * the misspelt key, so it serves the trigger with that key's default, not what was meant.
 */
export function verdictFor(
  r: Pick<Report, "error" | "isActive" | "replicas" | "metricValue" | "trigger" | "typos">,
): string {
  const answer = answerVerdict(r);
  if (r.error || !r.typos || r.typos.length === 0) return answer;
  return `WARN: likely metadata typo ${typoList(r.typos)}, a key the hub ignores; as written, ${answer}`;
}

function answerVerdict(
  r: Pick<Report, "error" | "isActive" | "replicas" | "metricValue" | "trigger">,
): string {
  if (r.error) {
    const what =
      r.error.grpcCode === "INVALID_ARGUMENT"
        ? "the hub answers every call INVALID_ARGUMENT, so KEDA builds no HPA for this trigger"
        : "the hub answers GetMetrics/IsActive UNAVAILABLE (KEDA's fallback applies, if configured)";
    return `FAIL: ${r.error.title}: ${what}`;
  }
  const value = r.metricValue?.metricValueFloat ?? 0;
  const activation = r.trigger?.activationMsgBacklogThreshold ?? 0;
  const desired = r.replicas?.desired ?? 0;
  if (r.isActive)
    return `OK: active (backlog ${value} > ${activation}); the HPA would ask for ${desired} replica(s)`;
  if (value > 0) {
    return `OK, but not active: backlog ${value} is not above activationMsgBacklogThreshold ${activation}; replicas ${desired}`;
  }
  return `OK: idle (no backlog); replicas ${desired}`;
}
