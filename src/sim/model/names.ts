import { SimBadRequestError, SimPreconditionError } from "../errors.js";

export type Domain = "persistent" | "non-persistent";

/** A topic name split in its parts; `local` may be a partition name (`x-partition-3`). */
export interface TopicName {
  readonly domain: Domain;
  readonly tenant: string;
  readonly namespace: string;
  readonly local: string;
}

const ENTITY = /^[-=:.\w]+$/;
const PARTITION_SUFFIX = /^(.*)-partition-(\d+)$/;

export function isDomain(s: string): s is Domain {
  return s === "persistent" || s === "non-persistent";
}

/** Tenant and namespace names follow Pulsar's NamedEntity rule. */
export function isValidEntityName(s: string): boolean {
  return ENTITY.test(s);
}

export function isValidLocalName(s: string): boolean {
  return s.length > 0 && !/[/\s]/.test(s) && ![...s].some((c) => c.charCodeAt(0) < 0x20);
}

export function fullName(t: TopicName): string {
  return `${t.domain}://${t.tenant}/${t.namespace}/${t.local}`;
}

export function namespaceKey(tenant: string, namespace: string): string {
  return `${tenant}/${namespace}`;
}

/** Throws 412 "Topic name is not valid" like the admin REST validation. */
export function topicNameOf(domain: string, tenant: string, namespace: string, local: string): TopicName {
  if (
    !isDomain(domain) ||
    !isValidEntityName(tenant) ||
    !isValidEntityName(namespace) ||
    !isValidLocalName(local)
  ) {
    throw new SimPreconditionError("Topic name is not valid");
  }
  return { domain, tenant, namespace, local };
}

/**
 * Accepts `orders`, `public/default/orders`, `persistent://public/default/orders` (short forms default
 * to persistent://public/default like Pulsar clients do).
 */
export function parseTopic(input: string): TopicName {
  const m = /^(persistent|non-persistent):\/\/([^/]+)\/([^/]+)\/(.+)$/.exec(input);
  if (m) return topicNameOf(m[1] ?? "", m[2] ?? "", m[3] ?? "", m[4] ?? "");
  const parts = input.split("/");
  if (parts.length === 1) return topicNameOf("persistent", "public", "default", input);
  if (parts.length === 3) return topicNameOf("persistent", parts[0] ?? "", parts[1] ?? "", parts[2] ?? "");
  throw new SimBadRequestError(`Invalid topic name: ${input}`);
}

export function partitionTopic(base: TopicName, index: number): TopicName {
  return { ...base, local: `${base.local}-partition-${index}` };
}

/** `{base, index}` when `t` names a partition, else undefined. */
export function partitionOf(t: TopicName): { base: TopicName; index: number } | undefined {
  const m = PARTITION_SUFFIX.exec(t.local);
  if (!m) return undefined;
  return { base: { ...t, local: m[1] ?? "" }, index: Number(m[2]) };
}
