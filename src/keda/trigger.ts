import type { TopicName } from "../pulsar/topic-name.js";
import type { ActivationRule, MetricKind, WatchKey } from "../state/key.js";

/** A ScaledObject as KEDA names it. */
export interface ScaledObjectId {
  readonly namespace: string;
  readonly name: string;
}

/** Trigger metadata parsed and checked against the hub's clusters (see metadata.ts). */
export interface TriggerSpec {
  /** Name of the configured cluster (resolved from `cluster` or `adminURL`). */
  readonly cluster: string;
  readonly topic: TopicName;
  readonly subscription: string;
  /** undefined = auto-detect. */
  readonly isPartitionedTopic: boolean | undefined;
  readonly msgBacklogThreshold: number;
  readonly activationMsgBacklogThreshold: number;
  readonly metric: MetricKind;
  /** Derived: the watched key. */
  readonly key: WatchKey;
  /** Derived: the activation rule of this trigger. */
  readonly activation: ActivationRule;
  /** Derived: the metric name served in GetMetricSpec / expected in GetMetrics. */
  readonly metricName: string;
}
