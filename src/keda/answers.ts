import type { MetricSpec, MetricValue } from "./messages.js";
import type { TriggerSpec } from "./trigger.js";

/*
 * What the ExternalScaler handlers answer for a trigger, as plain functions: service.ts sends them
 * to KEDA and `check` (src/check/inspect.ts) prints them, so the two cannot tell different stories.
 */

/** GetMetricSpec / StreamMetricSpec's one metric: the trigger's name and msgBacklogThreshold. */
export function metricSpecOf(spec: TriggerSpec): MetricSpec {
  const t = spec.msgBacklogThreshold;
  return { metricName: spec.metricName, targetSize: Math.round(t), targetSizeFloat: t };
}

/** GetMetrics's one value: the trigger's metric read as `value` (int64 rounded, and the double). */
export function metricValueOf(spec: TriggerSpec, value: number): MetricValue {
  return { metricName: spec.metricName, metricValue: Math.round(value), metricValueFloat: value };
}
