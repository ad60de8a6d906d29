import { ScalerError } from "../lib/errors.js";

export type TopicDomain = "persistent" | "non-persistent";

/** A fully qualified Pulsar topic: `{domain}://{tenant}/{namespace}/{local}`. */
export interface TopicName {
  readonly domain: TopicDomain;
  readonly tenant: string;
  readonly namespace: string;
  /** Local name; for a partition this ends in `-partition-<i>`. */
  readonly local: string;
}

export class InvalidTopicNameError extends ScalerError {}

const PART = /^[A-Za-z0-9_.=:%-]+$/;

/**
 * True for what cannot be a tenant, namespace, topic or subscription name: empty, `.` or `..`. Each
 * name is one segment of a broker URL path, and `.` and `..` would be resolved as path steps (by URL
 * parsing, here or in a proxy), taking the hub's credentials to a broker path outside the topic.
 */
export function isPathStep(name: string): boolean {
  return name === "" || name === "." || name === "..";
}

/** What the error of a name that isPathStep says is expected. */
export const NAME_EXPECTED = 'a name: not empty, "." or ".." (URL path steps)';

/** The forms a topic name may take, as errors name them. */
export const TOPIC_FORMS =
  "persistent://tenant/namespace/topic, non-persistent://tenant/namespace/topic or tenant/namespace/topic";

/**
 * Parses `persistent://t/ns/x`, `non-persistent://t/ns/x` or the short `t/ns/x` (persistent, as in
 * KEDA's pulsar scaler). Throws InvalidTopicNameError saying what is expected.
 */
export function parseTopicName(raw: string): TopicName {
  // A scheme written wrongly (`persistent:/t/ns/x`, `persistent//t/ns/x`, `persistent:t/ns/x`, `persistant://...`) would
  // otherwise parse as a tenant named `persistent:` or an empty namespace, and reach Pulsar as a
  // namespace that is not found: say what is wrong with the name instead.
  const scheme = /^[^/]*:(?=\/|$)\/*|^(?:persistent|non-persistent)(?:\/\/|:)/.exec(raw);
  if (scheme && !/^(?:persistent|non-persistent):\/\//.test(raw)) {
    throw new InvalidTopicNameError(
      `scheme ${JSON.stringify(scheme[0])} must be persistent:// or non-persistent:// (${TOPIC_FORMS})`,
    );
  }
  const m = /^(?:(persistent|non-persistent):\/\/)?([^/]*)\/([^/]*)\/(.*)$/.exec(raw);
  if (!m) {
    throw new InvalidTopicNameError(`expected ${TOPIC_FORMS}`);
  }
  const [, domain = "persistent", tenant = "", namespace = "", local = ""] = m;
  for (const [what, v] of [
    ["tenant", tenant],
    ["namespace", namespace],
    ["topic", local],
  ] as const) {
    if (isPathStep(v)) {
      throw new InvalidTopicNameError(`${what} part ${JSON.stringify(v)} must be ${NAME_EXPECTED}`);
    }
    if (!PART.test(v)) {
      throw new InvalidTopicNameError(
        `${what} part ${JSON.stringify(v)} must use only letters, digits and _ . = : % -`,
      );
    }
  }
  return Object.freeze({ domain: domain as TopicDomain, tenant, namespace, local });
}

export function topicToString(t: TopicName): string {
  return `${t.domain}://${t.tenant}/${t.namespace}/${t.local}`;
}

/**
 * Path below `/admin/v2/` and `/ws/v2/{producer|consumer|reader}/`: `persistent/t/ns/x`, each part
 * URL-encoded (a subscription appended after it must be encoded the same way).
 */
export function topicPath(t: TopicName): string {
  return `${t.domain}/${encodeURIComponent(t.tenant)}/${encodeURIComponent(t.namespace)}/${encodeURIComponent(t.local)}`;
}

export function partitionName(t: TopicName, index: number): TopicName {
  return Object.freeze({ ...t, local: `${t.local}-partition-${index}` });
}
