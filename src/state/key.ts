/** What one watcher watches: a subscription of a topic on a configured cluster. */
export interface WatchKey {
  readonly cluster: string;
  /** Canonical topic string, e.g. persistent://public/default/orders. */
  readonly topic: string;
  readonly subscription: string;
}

/** Stable string id of a key, used in maps, logs and error messages. */
export function keyId(k: WatchKey): string {
  return `${k.cluster}/${k.topic}/${k.subscription}`;
}

/** Which number a trigger scales on. */
export type MetricKind = "msgBacklog" | "msgBacklogNoDelayed" | "msgBacklogBytes" | "backlogAgeSeconds";

/** Activation rule of one trigger over a shared key: active iff metric > threshold (or arrival). */
export interface ActivationRule {
  readonly metric: MetricKind;
  readonly threshold: number;
}

/** A ScaledObject as KEDA names it (structurally the same as keda's ScaledObjectId). */
export interface ScaledObjectName {
  readonly namespace: string;
  readonly name: string;
}
