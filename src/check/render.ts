import { describeTransport } from "../pulsar/index.js";
import type { Report } from "./report.js";

type Line = readonly [key: string, value: string];

function sourceLine(r: Report): string {
  const s = r.source;
  if (s.kind === "flags") return "--metadata flags";
  const ns = s.namespace !== null ? `${s.namespace}/` : "";
  return `${s.file}: ScaledObject ${ns}${s.name}, spec.triggers[${s.triggerIndex}] (type ${s.triggerType})`;
}

function topicLines(r: Report): Line[] {
  const t = r.topic;
  if (!t) return [];
  const how =
    t.determinedBy === "metadata"
      ? `metadata isPartitionedTopic=${String(t.partitioned)}`
      : `detected: /partitions = ${t.partitions}`;
  const what = t.partitioned ? `yes, ${t.partitions} partitions` : "no";
  return [["partitioned", `${what} (${how})`]];
}

function subscriptionLines(r: Report): Line[] {
  const s = r.subscription;
  if (!s) return [];
  return [
    ["subscription", `${s.name} (${s.type ?? "type unknown"}, ${s.consumers} consumer(s) connected)`],
    ["msgBacklog", String(s.msgBacklog)],
    ["msgBacklogNoDelayed", String(s.msgBacklogNoDelayed)],
    ["unackedMessages", String(s.unackedMessages)],
  ];
}

function answerLines(r: Report): Line[] {
  const lines: Line[] = [];
  const m = r.metricSpec;
  if (m) {
    lines.push([
      "GetMetricSpec",
      `metricName=${m.metricName} targetSize=${m.targetSize} targetSizeFloat=${m.targetSizeFloat}`,
    ]);
  }
  const t = r.trigger;
  if (t) {
    lines.push(["msgBacklogThreshold", `${t.msgBacklogThreshold} (HPA AverageValue target per replica)`]);
    lines.push(["activationThreshold", `${t.activationMsgBacklogThreshold} (activationMsgBacklogThreshold)`]);
  }
  const v = r.metricValue;
  if (v && t) {
    lines.push([
      "GetMetrics",
      `metricValue=${v.metricValue} metricValueFloat=${v.metricValueFloat} (${t.metric})`,
    ]);
  }
  if (r.isActive !== undefined && v && t) {
    const cmp = r.isActive ? ">" : "<=";
    lines.push([
      "IsActive",
      `${String(r.isActive)} (${v.metricValueFloat} ${cmp} ${t.activationMsgBacklogThreshold})`,
    ]);
  }
  if (r.replicas) {
    const p = r.replicas;
    lines.push(["replicas", `${p.desired} (min ${p.min}, max ${p.max}): ${p.why}`]);
  }
  return lines;
}

function errorLines(r: Report): Line[] {
  const e = r.error;
  if (!e) return [];
  const lines: Line[] = [["error", `${e.class}: ${e.message}`]];
  if (e.subscriptions) lines.push(["subscriptions", e.subscriptions.join(", ") || "(none)"]);
  lines.push(["hint", e.hint]);
  return lines;
}

/** Aligned `key: value` lines, notes, then the verdict line. */
export function renderText(r: Report): string {
  const lines: Line[] = [["trigger", sourceLine(r)]];
  if (r.cluster) lines.push(["cluster", `${r.cluster.name} (${r.cluster.adminUrl}, auth ${r.cluster.auth})`]);
  if (r.trigger) lines.push(["topic", r.trigger.topic]);
  lines.push(...topicLines(r));
  if (r.arrivals) lines.push(["arrivals", describeTransport(r.arrivals)]);
  if (r.trigger && !r.subscription) lines.push(["subscription", r.trigger.subscription]);
  lines.push(...subscriptionLines(r), ...answerLines(r), ...errorLines(r));
  for (const t of r.typos ?? []) {
    lines.push([
      "typo",
      `${t.key}: did you mean ${t.resembles}? The hub ignores unknown keys (names are case-sensitive)`,
    ]);
  }
  for (const n of r.notes) lines.push(["note", n]);
  lines.push(["verdict", r.verdict]);
  const width = Math.max(...lines.map(([k]) => k.length)) + 1;
  return lines.map(([k, v]) => `${`${k}:`.padEnd(width)} ${v}`).join("\n") + "\n";
}

/** One JSON object with the report's fields. */
export function renderJson(r: Report): string {
  return `${JSON.stringify(r, null, 2)}\n`;
}
