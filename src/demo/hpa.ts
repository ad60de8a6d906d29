/**
 * The replica count KEDA + the HPA would ask for, as pure functions (no I/O, time passed in).
 *
 * - A pushed `true` (StreamIsActive) or a polled IsActive true scales a Deployment at zero to
 *   `max(1, min)` at once (KEDA's scale-from-zero) and refreshes the last-active time.
 * - While at least one replica runs, the HPA asks for `ceil(backlog / threshold)` (AverageValue
 *   target = msgBacklogThreshold), within `max(1, min)..max`.
 * - To zero only when `min` is 0, IsActive answered false, and `cooldownMs` has passed since the
 *   last active moment (KEDA's cooldownPeriod).
 * - A failed poll (UNAVAILABLE) changes nothing: KEDA keeps the current scale (or its fallback).
 *
 * Simplified on purpose: no HPA tolerance (10 %) and no scale-down stabilization window.
 */
export interface HpaPolicy {
  /** msgBacklogThreshold: target backlog per replica (> 0). */
  readonly threshold: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** KEDA cooldownPeriod, in ms. */
  readonly cooldownMs: number;
}

export interface HpaState {
  readonly replicas: number;
  /** When the trigger was last seen active (push or poll); undefined before the first time. */
  readonly lastActiveAt: number | undefined;
}

/** One polling tick's answers: GetMetrics' backlog and IsActive. */
export interface HpaReading {
  readonly backlog: number;
  readonly active: boolean;
}

export interface HpaStep {
  readonly state: HpaState;
  /** Replicas before this step. */
  readonly from: number;
  /** Why the count changed; undefined when it did not. */
  readonly reason: ScaleReason | undefined;
}

export type ScaleReason = "activation" | "hpa" | "cooldown";

export function initialHpa(policy: HpaPolicy): HpaState {
  return { replicas: policy.minReplicas, lastActiveAt: undefined };
}

/** The HPA's answer for a backlog while the Deployment runs: ceil(backlog / threshold), clamped. */
export function desiredReplicas(policy: HpaPolicy, backlog: number): number {
  const floor = Math.max(1, policy.minReplicas);
  const wanted = Math.ceil(Math.max(0, backlog) / policy.threshold);
  return Math.min(policy.maxReplicas, Math.max(floor, wanted));
}

function step(state: HpaState, next: HpaState, reason: ScaleReason): HpaStep {
  return { state: next, from: state.replicas, reason: next.replicas !== state.replicas ? reason : undefined };
}

/** A `true` pushed on StreamIsActive: scale from zero now, refresh the last-active time. */
export function onPush(policy: HpaPolicy, state: HpaState, now: number): HpaStep {
  const replicas = state.replicas === 0 ? Math.max(1, policy.minReplicas) : state.replicas;
  return step(state, { replicas, lastActiveAt: now }, "activation");
}

/** A polling tick that answered. */
export function onReading(policy: HpaPolicy, state: HpaState, now: number, r: HpaReading): HpaStep {
  if (r.active) {
    if (state.replicas === 0) return onPush(policy, state, now);
    return step(state, { replicas: desiredReplicas(policy, r.backlog), lastActiveAt: now }, "hpa");
  }
  if (state.replicas === 0) return step(state, state, "hpa");
  const cooled = state.lastActiveAt === undefined || now - state.lastActiveAt >= policy.cooldownMs;
  if (policy.minReplicas === 0 && cooled) {
    return step(state, { ...state, replicas: 0 }, "cooldown");
  }
  return step(state, { ...state, replicas: desiredReplicas(policy, r.backlog) }, "hpa");
}
