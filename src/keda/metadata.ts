import type { ClusterConfig } from "../pulsar/cluster.js";
import {
  isPathStep,
  NAME_EXPECTED,
  parseTopicName,
  topicToString,
  InvalidTopicNameError,
  TOPIC_FORMS,
  type TopicName,
} from "../pulsar/topic-name.js";
import type { MetricKind } from "../state/key.js";
import { MetadataError } from "./errors.js";
import { metricNameFor } from "./metric-name.js";
import { trimSpace } from "./trim-space.js";
import type { TriggerSpec } from "./trigger.js";

export { MetadataError };

/** Longest accepted metadata value, in UTF-8 bytes. */
export const METADATA_VALUE_MAX_BYTES = 1024;
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const NUMBER = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const METRICS: readonly MetricKind[] = [
  "msgBacklog",
  "msgBacklogNoDelayed",
  "msgBacklogBytes",
  "backlogAgeSeconds",
];
/** Go's strconv.ParseBool, which KEDA uses. */
const TRUE = ["1", "t", "T", "TRUE", "true", "True"];
const FALSE = ["0", "f", "F", "FALSE", "false", "False"];

type Meta = Readonly<Record<string, string>>;

/**
 * A value we read, trimmed as KEDA trims it: absent, empty or whitespace-only = undefined; control
 * characters inside it or over 1 KiB = error (errors show the trimmed value).
 */
function value(meta: Meta, key: string): string | undefined {
  const raw = Object.hasOwn(meta, key) ? meta[key] : undefined;
  if (raw === undefined) return undefined;
  if (typeof raw !== "string") throw new MetadataError(key, String(raw), "a string");
  const v = trimSpace(raw);
  if (v === "") return undefined;
  if (CONTROL.test(v)) throw new MetadataError(key, v, "a value without control characters");
  if (Buffer.byteLength(v, "utf8") > METADATA_VALUE_MAX_BYTES) {
    throw new MetadataError(key, v, `a value of at most ${METADATA_VALUE_MAX_BYTES} bytes`);
  }
  return v;
}

/** The keys KEDA's pulsar scaler also reads as `<key>FromEnv` (KEDA forwards the resolved value). */
type FromEnvKey = "adminURL" | "topic" | "subscription";

/** The plain key first, then `<key>FromEnv`, as KEDA's pulsar scaler reads them; `key` is the one used. */
function valueOrFromEnv(meta: Meta, key: FromEnvKey): { key: string; value: string } | undefined {
  const plain = value(meta, key);
  if (plain !== undefined) return { key, value: plain };
  const envKey = `${key}FromEnv`;
  const env = value(meta, envKey);
  return env === undefined ? undefined : { key: envKey, value: env };
}

function number(meta: Meta, key: string, dflt: number, min: "positive" | "non-negative"): number {
  const raw = value(meta, key);
  if (raw === undefined) return dflt;
  const expected = min === "positive" ? "a number > 0, such as 10 or 2.5" : "a number >= 0, such as 0 or 5";
  const n = NUMBER.test(raw) ? Number(raw) : NaN;
  if (!Number.isFinite(n) || (min === "positive" ? n <= 0 : n < 0))
    throw new MetadataError(key, raw, expected);
  return n;
}

/** Scheme and host lower-cased, default port dropped, trailing slashes dropped; undefined if not a URL. */
export function normaliseAdminUrl(raw: string): string | undefined {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return undefined;
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") return undefined;
  return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, "")}${u.search}`;
}

function resolveCluster(meta: Meta, clusters: readonly ClusterConfig[]): string {
  const names = clusters.map((c) => c.name);
  const listed = names.map((n) => JSON.stringify(n)).join(", ") || "none";
  const named = value(meta, "cluster");
  const admin = valueOrFromEnv(meta, "adminURL");
  let byName: ClusterConfig | undefined;
  if (named !== undefined) {
    byName = clusters.find((c) => c.name === named);
    if (!byName) throw new MetadataError("cluster", named, `one of the configured clusters: ${listed}`);
  }
  if (admin !== undefined) {
    const want = normaliseAdminUrl(admin.value);
    const byUrl =
      want === undefined ? undefined : clusters.find((c) => normaliseAdminUrl(c.adminUrl) === want);
    if (!byUrl) {
      const urls = clusters.map((c) => `${c.name}=${c.adminUrl}`).join(", ") || "none";
      throw new MetadataError(admin.key, admin.value, `the admin URL of a configured cluster (${urls})`);
    }
    if (byName && byName !== byUrl) {
      throw new MetadataError(
        admin.key,
        admin.value,
        `the admin URL of cluster ${JSON.stringify(byName.name)} (${byName.adminUrl}), as metadata cluster names it`,
      );
    }
    return byUrl.name;
  }
  if (byName) return byName.name;
  const only = clusters.length === 1 ? clusters[0] : undefined;
  if (only) return only.name;
  throw new MetadataError(
    "cluster",
    undefined,
    `cluster, adminURL or adminURLFromEnv naming one of the configured clusters (${listed})`,
  );
}

function topicOf(meta: Meta): TopicName {
  const topic = valueOrFromEnv(meta, "topic");
  if (topic === undefined) {
    throw new MetadataError("topic", undefined, `topic or topicFromEnv set to ${TOPIC_FORMS}`);
  }
  try {
    return parseTopicName(topic.value);
  } catch (err) {
    // The parser's message is a sentence of its own ("expected ..." or what is wrong with a part).
    if (err instanceof InvalidTopicNameError) {
      throw new MetadataError(topic.key, topic.value, TOPIC_FORMS, err.message);
    }
    throw err;
  }
}

function partitioned(meta: Meta): boolean | undefined {
  const raw = value(meta, "isPartitionedTopic");
  if (raw === undefined) return undefined;
  if (TRUE.includes(raw)) return true;
  if (FALSE.includes(raw)) return false;
  throw new MetadataError("isPartitionedTopic", raw, '"true" or "false" (absent: detected)');
}

function metricOf(meta: Meta): MetricKind {
  const raw = value(meta, "metric");
  if (raw === undefined) return "msgBacklog";
  if ((METRICS as readonly string[]).includes(raw)) return raw as MetricKind;
  throw new MetadataError("metric", raw, `one of ${METRICS.join(", ")}`);
}

/**
 * Trigger metadata -> TriggerSpec. Keys as KEDA's built-in pulsar scaler (adminURL, topic,
 * subscription, msgBacklogThreshold, activationMsgBacklogThreshold, isPartitionedTopic; adminURL,
 * topic and subscription also as `<key>FromEnv`, read after the plain key) plus `cluster` and
 * `metric`. Every value is trimmed as KEDA's scaler trims it; whitespace-only = absent. Unknown
 * keys (scalerAddress, enableTLS, unsafeSsl, ...) are ignored.
 * Throws MetadataError, and nothing else, for any bad input.
 */
export function parseTriggerMetadata(meta: Meta, clusters: readonly ClusterConfig[]): TriggerSpec {
  const topic = topicOf(meta);
  const subscription = valueOrFromEnv(meta, "subscription")?.value;
  if (subscription === undefined) {
    throw new MetadataError(
      "subscription",
      undefined,
      "subscription or subscriptionFromEnv set to the name of the subscription to scale on",
    );
  }
  if (isPathStep(subscription)) throw new MetadataError("subscription", subscription, NAME_EXPECTED);
  const msgBacklogThreshold = number(meta, "msgBacklogThreshold", 10, "positive");
  const activationMsgBacklogThreshold = number(meta, "activationMsgBacklogThreshold", 0, "non-negative");
  const isPartitionedTopic = partitioned(meta);
  const metric = metricOf(meta);
  const cluster = resolveCluster(meta, clusters);
  const topicString = topicToString(topic);
  const key = Object.freeze({ cluster, topic: topicString, subscription });
  return Object.freeze({
    cluster,
    topic,
    subscription,
    isPartitionedTopic,
    msgBacklogThreshold,
    activationMsgBacklogThreshold,
    metric,
    key,
    activation: Object.freeze({ metric, threshold: activationMsgBacklogThreshold }),
    metricName: metricNameFor({ cluster, topic: topicString, topicLocal: topic.local, subscription, metric }),
  });
}

/** The keys parseTriggerMetadata reads; every other key is ignored. */
export const METADATA_KEYS = [
  "adminURL",
  "adminURLFromEnv",
  "cluster",
  "topic",
  "topicFromEnv",
  "subscription",
  "subscriptionFromEnv",
  "msgBacklogThreshold",
  "activationMsgBacklogThreshold",
  "isPartitionedTopic",
  "metric",
] as const;

/**
 * Bounds checked before anything of a metadata map is stored or parsed (checkMetadataSize), so a
 * caller cannot make the hub keep what it sent. KEDA's pulsar trigger needs a few short values:
 * Pulsar names (tenant, namespace, topic, subscription) are short path segments in practice, well
 * under the 1 KiB a value may have. The map as a whole may carry keys this scaler ignores
 * (KEDA's external-scaler TLS keys caCert, tlsClientCert, tlsClientKey are PEM texts of a few
 * KiB), hence a looser bound on the whole map.
 */
export const METADATA_MAX_KEYS = 128;
/** Most UTF-8 bytes of all keys and values of a metadata map together. */
export const METADATA_MAX_BYTES = 64 * 1024;
/**
 * Most bytes of a KEDA request message (the gRPC server's max_receive_message_length): a map at
 * METADATA_MAX_BYTES, its framing, the ScaledObject's name and namespace and a metric name fit
 * with room to spare. A larger message is refused RESOURCE_EXHAUSTED by grpc-js from its length
 * prefix, before its body is buffered, so a 4 MB value never becomes a 4 MB string in the hub.
 */
export const KEDA_REQUEST_MAX_BYTES = 2 * METADATA_MAX_BYTES;
const SIZE_SHOWN = 121; // MetadataError shows 120 characters and "..." when there are more

/** A flat copy of a value's head: a slice would keep the whole oversized value alive. */
function head(v: string): string {
  return Buffer.from(v.slice(0, SIZE_SHOWN), "utf8").toString("utf8");
}

/**
 * Throws MetadataError naming the key and the bound when a read key's value is over
 * METADATA_VALUE_MAX_BYTES, or the map has over METADATA_MAX_KEYS keys or METADATA_MAX_BYTES in
 * all. Its cost is bounded whatever the input: a string of more UTF-16 units than the bound is
 * over it in UTF-8 too, so it is refused without being scanned. The error keeps only a value's head.
 */
export function checkMetadataSize(meta: Meta): void {
  const read: readonly string[] = METADATA_KEYS;
  let keys = 0;
  let bytes = 0;
  for (const k in meta) {
    if (!Object.hasOwn(meta, k)) continue;
    if (++keys > METADATA_MAX_KEYS) {
      throw new MetadataError(
        "scalerMetadata",
        `over ${METADATA_MAX_KEYS} keys`,
        `at most ${METADATA_MAX_KEYS} keys`,
      );
    }
    const v = meta[k];
    if (typeof v !== "string") continue; // parseTriggerMetadata says what is wrong with it
    const max = read.includes(k) ? METADATA_VALUE_MAX_BYTES : METADATA_MAX_BYTES;
    const size = v.length > max ? max + 1 : Buffer.byteLength(v, "utf8");
    if (size > max) throw new MetadataError(k, head(v), `a value of at most ${max} bytes`);
    bytes += size + (k.length > METADATA_MAX_BYTES ? METADATA_MAX_BYTES : Buffer.byteLength(k, "utf8"));
    if (bytes > METADATA_MAX_BYTES) {
      throw new MetadataError(
        "scalerMetadata",
        `over ${METADATA_MAX_BYTES} bytes`,
        `at most ${METADATA_MAX_BYTES} bytes of keys and values in all`,
      );
    }
  }
}

/**
 * Canonical string of the keys that matter (the FromEnv ones included), in a fixed order: the parse
 * cache key. Values as sent, untrimmed: padded variants are separate entries that parse alike.
 */
export function canonicalMetadata(meta: Meta): string {
  return JSON.stringify(METADATA_KEYS.map((k) => (Object.hasOwn(meta, k) ? meta[k] : null)));
}
