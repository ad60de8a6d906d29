import { MetadataError } from "../keda/errors.js";
import type { TriggerSpec } from "../keda/trigger.js";
import type { ClusterConfig } from "../pulsar/cluster.js";
import {
  AuthenticationError,
  AuthorizationError,
  BadPayloadError,
  NamespaceNotFoundError,
  NetworkError,
  RateLimitedError,
  ServerError,
  SubscriptionNotFoundError,
  TimeoutError,
  TopicNotFoundError,
  topicToString,
} from "../pulsar/index.js";
import { osaDistance, type Typo } from "./typos.js";

/** What went wrong in words, what to do, and what KEDA gets from the hub meanwhile. */
export interface Hint {
  readonly title: string;
  readonly hint: string;
  /** gRPC code of GetMetrics/IsActive (GetMetricSpec too for INVALID_ARGUMENT). */
  readonly grpcCode: "INVALID_ARGUMENT" | "UNAVAILABLE";
}

export interface HintContext {
  readonly clusters: readonly ClusterConfig[];
  readonly spec?: TriggerSpec | undefined;
  /** All subscription names of the topic (readers included), when they could be listed. */
  readonly subscriptions?: readonly string[] | undefined;
  /** Partition count read after a topic-not-found, when the base name exists. */
  readonly partitionsFound?: number | undefined;
  /** Unknown metadata keys close to a known one: the hint of an error on that key names them. */
  readonly typos?: readonly Typo[] | undefined;
}

const READER = /^reader-[0-9a-f]{10}$/;

function clusterList(clusters: readonly ClusterConfig[]): string {
  return clusters.map((c) => `${c.name}=${c.adminUrl}`).join(", ") || "none";
}

function metadataHint(err: MetadataError, ctx: HintContext): string {
  const typo = ctx.typos?.find((t) => t.resembles === err.key || `${t.resembles}FromEnv` === err.key);
  const said = typo ? `Metadata has ${JSON.stringify(typo.key)}: did you mean ${typo.resembles}? ` : "";
  return said + keyHint(err, ctx);
}

function keyHint(err: MetadataError, ctx: HintContext): string {
  if (err.key === "adminURL" || err.key === "adminURLFromEnv" || err.key === "cluster") {
    return (
      `The hub reads only the clusters in its own configuration (configured: ${clusterList(ctx.clusters)}). ` +
      "Set metadata adminURL (or cluster) to one of them, or add the cluster to the hub with " +
      "--pulsar-admin-url / --clusters-file (and pass the same flags to check)."
    );
  }
  return `Fix metadata ${err.key}: expected ${err.expected}. See docs/keda.md#trigger-metadata.`;
}

function subscriptionHint(ctx: HintContext): string {
  const want = ctx.spec?.subscription ?? "";
  const all = ctx.subscriptions;
  if (all === undefined) return "Check the subscription name; its list could not be read.";
  const readers = all.filter((s) => READER.test(s));
  const named = all.filter((s) => !READER.test(s));
  const parts = [
    `The topic has ${named.length === 0 ? "no durable subscription" : `subscriptions: ${named.join(", ")}`}` +
      `${readers.length > 0 ? ` (and ${readers.length} reader(s): ${readers.join(", ")})` : ""}.`,
  ];
  if (named.includes(want)) {
    parts.push(
      `${JSON.stringify(want)} is listed but not durable: a non-durable subscription's backlog cannot drive scaling.`,
    );
  }
  const near = named.filter((s) => s !== want && osaDistance(s.toLowerCase(), want.toLowerCase()) <= 2);
  if (near.length > 0)
    parts.push(`Did you mean ${near.map((s) => JSON.stringify(s)).join(" or ")}? Names are case-sensitive.`);
  parts.push(
    "Otherwise the consumer never subscribed yet (start it once, or create the subscription with " +
      "`pulsar-admin topics create-subscription`), or it uses a Reader, which has no durable subscription to scale on.",
  );
  return parts.join(" ");
}

function topicHint(ctx: HintContext): string {
  const spec = ctx.spec;
  const topic = spec ? topicToString(spec.topic) : "the topic";
  const flag = spec?.isPartitionedTopic;
  if (flag !== undefined && ctx.partitionsFound !== undefined) {
    const actual =
      ctx.partitionsFound > 0 ? `partitioned (${ctx.partitionsFound} partitions)` : "not partitioned";
    return `${topic} exists but is ${actual}, while metadata isPartitionedTopic is "${String(flag)}": fix it, or remove the key to detect it.`;
  }
  return (
    `Check the tenant, namespace and topic spelling of ${topic}, and persistent:// vs non-persistent:// ` +
    "(a name without a scheme is persistent). `pulsar-admin topics list <tenant>/<namespace>` lists the topics."
  );
}

function authenticationHint(ctx: HintContext): string {
  const cluster = ctx.clusters.find((c) => c.name === ctx.spec?.cluster) ?? ctx.clusters[0];
  switch (cluster?.auth.kind) {
    case "token":
      return "The broker rejected the token: check the token file (--pulsar-token-file) holds a current JWT signed for this cluster, with no extra characters.";
    case "basic":
      return "The broker rejected the user name or password (--pulsar-basic-username, --pulsar-basic-password-file).";
    case "tls":
      return "The broker rejected the client certificate (--pulsar-tls-cert-file / --pulsar-tls-key-file): is it signed by a CA the broker trusts?";
    case "oauth2":
      return "The OAuth2 issuer or the broker rejected the credentials: check --pulsar-oauth2-credentials-file, the issuer URL and the audience.";
    default:
      return "The broker requires authentication: set --pulsar-auth (token, basic, tls, oauth2) and its credentials, as in the hub.";
  }
}

/** The hint for an error of check's one Pulsar read (or of the metadata). Classes by instanceof. */
export function hintFor(err: unknown, ctx: HintContext): Hint {
  const unavailable = (title: string, hint: string): Hint => ({ title, hint, grpcCode: "UNAVAILABLE" });
  if (err instanceof MetadataError) {
    return {
      title: `bad trigger metadata ${err.key}`,
      hint: metadataHint(err, ctx),
      grpcCode: "INVALID_ARGUMENT",
    };
  }
  if (err instanceof AuthenticationError)
    return unavailable("authentication failed", authenticationHint(ctx));
  if (err instanceof AuthorizationError) {
    return unavailable(
      "not authorized",
      "The role of the hub's credentials may not read this topic's stats (GET_STATS). Grant it, e.g. " +
        "`pulsar-admin namespaces grant-permission <tenant>/<namespace> --role <role> --actions consume` " +
        "(stats need consume, or produce, permission on the topic or namespace).",
    );
  }
  if (err instanceof SubscriptionNotFoundError)
    return unavailable("subscription not found", subscriptionHint(ctx));
  if (err instanceof NamespaceNotFoundError) {
    const ns = ctx.spec ? `${ctx.spec.topic.tenant}/${ctx.spec.topic.namespace}` : "the namespace";
    return unavailable(
      "namespace not found",
      `Pulsar has no namespace ${ns}: check the tenant and namespace parts of the topic (\`pulsar-admin namespaces list <tenant>\`).`,
    );
  }
  if (err instanceof TopicNotFoundError) return unavailable("topic not found", topicHint(ctx));
  if (err instanceof RateLimitedError) {
    const wait =
      err.retryAfterMs !== undefined ? ` (Retry-After ${Math.ceil(err.retryAfterMs / 1000)} s)` : "";
    return unavailable(
      "rate limited",
      `The broker rate-limits admin requests${wait}. The hub backs off and retries; try check again later.`,
    );
  }
  if (err instanceof TimeoutError || err instanceof NetworkError) {
    return unavailable(
      err instanceof TimeoutError ? "timeout" : "network error",
      `Is the admin URL reachable from here (${clusterList(ctx.clusters)})? Check host, port (8080, or 8443 for TLS), ` +
        "http vs https and --pulsar-ca-file. check reads only the admin REST API; the WebSocket service is not needed for it.",
    );
  }
  if (err instanceof BadPayloadError) {
    return unavailable(
      "unexpected answer",
      "The admin URL answered 2xx with something that is not Pulsar topic stats: does it point at the broker's web service (not a proxy page or the WebSocket URL)?",
    );
  }
  if (err instanceof ServerError) {
    return unavailable(
      `broker error (HTTP ${err.status})`,
      "The broker failed to answer; see its logs. Redirect loops and 5xx are retried by the hub with backoff.",
    );
  }
  return unavailable(
    "unexpected error",
    "This looks like a bug in check or an unknown broker answer; please report it with the message.",
  );
}
