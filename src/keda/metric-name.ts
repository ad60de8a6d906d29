import { createHash } from "node:crypto";
import type { MetricKind } from "../state/key.js";

/** Total length of our names; KEDA adds `s<i>-` in front and Kubernetes caps names at 63. */
export const METRIC_NAME_MAX = 56;
const HASH_LEN = 10;
const PREFIX = "pulsar-";
/** The metric kind in the name; msgBacklog's names stay as they were before the other kinds. */
const SUFFIX: Readonly<Record<MetricKind, string>> = {
  msgBacklog: "",
  msgBacklogNoDelayed: "nodelayed-",
  msgBacklogBytes: "bytes-",
  backlogAgeSeconds: "age-",
};

export interface MetricNameInput {
  readonly cluster: string;
  /** Canonical topic string, e.g. persistent://public/default/orders. */
  readonly topic: string;
  /** Local topic name (last path part), the readable part of the name. */
  readonly topicLocal: string;
  readonly subscription: string;
  readonly metric: MetricKind;
}

function readable(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

/**
 * `pulsar-<topic-local>-<subscription>[-nodelayed|-bytes|-age]-<hash>`, only [a-z0-9-], at most METRIC_NAME_MAX
 * characters. The readable part is lower-cased, squeezed and truncated, so it alone can collide
 * (case, punctuation, tenant/namespace, cluster); the hash suffix, over the exact inputs, always
 * follows it and keeps different inputs apart.
 */
export function metricNameFor(input: MetricNameInput): string {
  const hash = createHash("sha256")
    .update(JSON.stringify([input.cluster, input.topic, input.subscription, input.metric]))
    .digest("hex")
    .slice(0, HASH_LEN);
  const suffix = SUFFIX[input.metric];
  const budget = METRIC_NAME_MAX - PREFIX.length - suffix.length - HASH_LEN - 1;
  const body = [readable(input.topicLocal), readable(input.subscription)].filter((p) => p !== "").join("-");
  const cut = body.slice(0, budget).replace(/-+$/, "");
  return `${PREFIX}${cut === "" ? "" : `${cut}-`}${suffix}${hash}`;
}

/** KEDA names the HPA metric `s<triggerIndex>-<metricName>` and strips the prefix; accept both. */
export function metricNameMatches(asked: string, served: string): boolean {
  if (asked === served) return true;
  const m = /^s\d+-(.*)$/.exec(asked);
  return m !== null && m[1] === served;
}
