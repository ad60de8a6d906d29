import type { Parser } from "../src/lib/config-parsers.js";
import { LIMITS } from "../src/contract/limits.js";
import type { ClusterConfig } from "../src/pulsar/cluster.js";
import { parseTopicName, topicToString } from "../src/pulsar/topic-name.js";
import { keyId, type WatchKey } from "../src/state/key.js";

/** One `--watch` item: `[cluster@]topic:subscription`, the topic in canonical form. */
export interface WatchArg {
  /** Named cluster, or undefined for the default one. */
  readonly cluster: string | undefined;
  readonly topic: string;
  readonly subscription: string;
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * Parses `topic:subscription` or `cluster@topic:subscription`. The subscription follows the LAST
 * colon (topics hold `://`), so a subscription name cannot contain `:`. The topic may be short
 * (`tenant/ns/topic`, persistent) and is stored canonical (`persistent://tenant/ns/topic`).
 */
export const watchArg: Parser<WatchArg> = {
  describe: "[cluster@]topic:subscription",
  parse(raw) {
    const text = raw.trim();
    const colon = text.lastIndexOf(":");
    const head = colon >= 0 ? text.slice(0, colon) : "";
    const subscription = colon >= 0 ? text.slice(colon + 1) : "";
    if (colon < 0 || subscription === "" || subscription.includes("/")) {
      throw new Error(
        "expected topic:subscription or cluster@topic:subscription, e.g. persistent://public/default/orders:workers",
      );
    }
    if (subscription.length > LIMITS.subscriptionChars || CONTROL.test(subscription)) {
      throw new Error(
        `subscription must be 1..${LIMITS.subscriptionChars} characters without control characters`,
      );
    }
    const at = head.indexOf("@");
    const cluster = at >= 0 ? head.slice(0, at) : undefined;
    if (cluster !== undefined && (cluster === "" || cluster.length > LIMITS.clusterChars)) {
      throw new Error(`cluster before @ must be 1..${LIMITS.clusterChars} characters`);
    }
    const topicRaw = head.slice(at + 1);
    let topic: string;
    try {
      topic = topicToString(parseTopicName(topicRaw));
    } catch (err) {
      throw new Error(
        `topic ${JSON.stringify(topicRaw)}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    if (topic.length > LIMITS.topicChars) {
      throw new Error(`topic must be at most ${LIMITS.topicChars} characters`);
    }
    return Object.freeze({ cluster, topic, subscription });
  },
};

/**
 * The cluster a `--watch` item without `cluster@` uses: the one named by --pulsar-cluster-name
 * when it is configured, else the only configured cluster; undefined when that is ambiguous.
 */
export function defaultClusterName(
  clusters: readonly ClusterConfig[],
  flagClusterName: string,
): string | undefined {
  if (clusters.some((c) => c.name === flagClusterName)) return flagClusterName;
  return clusters.length === 1 ? clusters[0]?.name : undefined;
}

/**
 * The watch keys of the `--watch` items against the configured clusters, without duplicates.
 * Appends a problem per item naming an unknown cluster or needing one; returns the good keys.
 */
export function resolveWatchKeys(
  args: readonly WatchArg[],
  clusters: readonly ClusterConfig[],
  flagClusterName: string,
  problems: string[],
): WatchKey[] {
  const names = clusters.map((c) => c.name);
  const fallback = defaultClusterName(clusters, flagClusterName);
  const keys = new Map<string, WatchKey>();
  for (const a of args) {
    const shown = `--watch ${JSON.stringify(`${a.cluster !== undefined ? `${a.cluster}@` : ""}${a.topic}:${a.subscription}`)}`;
    const cluster = a.cluster ?? fallback;
    if (cluster === undefined) {
      problems.push(
        `${shown}: ${names.length} clusters are configured (${names.join(", ")}); name one as cluster@topic:subscription`,
      );
      continue;
    }
    if (!names.includes(cluster)) {
      problems.push(
        `${shown}: cluster ${JSON.stringify(cluster)} is not configured (known: ${names.join(", ")})`,
      );
      continue;
    }
    const key = Object.freeze({ cluster, topic: a.topic, subscription: a.subscription });
    keys.set(keyId(key), key);
  }
  if (keys.size > LIMITS.maxKeys) {
    problems.push(`--watch: ${keys.size} keys, at most ${LIMITS.maxKeys} may be announced to the hub`);
  }
  return [...keys.values()];
}
