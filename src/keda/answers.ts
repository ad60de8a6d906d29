import type { MetricSpec, MetricValue } from "./messages.js";
import type { TriggerSpec } from "./trigger.js";

/*
 * What the ExternalScaler handlers answer for a trigger, as plain functions: service.ts sends them
 * to KEDA and `check` (src/check/inspect.ts) prints them, so the two cannot tell different stories.
 */

/**
 * GetMetricSpec / StreamMetricSpec's one metric: the trigger's name and msgBacklogThreshold. KEDA
 * uses targetSizeFloat when it is > 0, but KEDA before 2.17 reads only the int field: a threshold
 * such as 0.4 would round to a target of 0 there, so the int is at least 1 (thresholds are > 0).
 */
export function metricSpecOf(spec: TriggerSpec): MetricSpec {
  const t = spec.msgBacklogThreshold;
  return { metricName: spec.metricName, targetSize: Math.max(1, Math.round(t)), targetSizeFloat: t };
}

/**
 * GetMetrics's one value: the trigger's metric read as `value` (int64 rounded, and the double).
 * Plain rounding here: a backlog is a count (whole already), and raising a small value to 1 would
 * report a backlog that is not there.
 */
export function metricValueOf(spec: TriggerSpec, value: number): MetricValue {
  return { metricName: spec.metricName, metricValue: Math.round(value), metricValueFloat: value };
}
