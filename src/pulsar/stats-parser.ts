import { BadPayloadError, IncompleteStatsError } from "./errors.js";
import type { SubscriptionSnapshot, SubscriptionType, TopicSnapshot } from "./snapshot.js";
import type { TopicName } from "./topic-name.js";

/**
 * Parsers of the admin documents we read. They accept real documents (unknown fields, omitted
 * nulls, `isDurable` or `durable`) and throw only BadPayloadError: a required number that is
 * missing, not finite or negative is an error, never a 0 (docs/watch-engine.md: never invent a number).
 * One exception: real brokers report negative `unackedMessages` (apache/pulsar#23805, a counter
 * decremented twice on redelivery); it is read as 0, since rejecting the document would lose every
 * subscription's backlog on the topic for a number the scaler never scales on.
 */

type Doc = Record<string, unknown>;

const TYPES: ReadonlySet<string> = new Set(["Exclusive", "Shared", "Failover", "Key_Shared"]);
/** Name of the non-durable subscription of a reader (WebSocket readers included). */
const READER_NAME = /^reader-[0-9a-f]{10}$/;

function bad(what: string, url: string, cause?: unknown): BadPayloadError {
  return new BadPayloadError(`unexpected stats document: ${what}`, url, { cause });
}

/** JSON object from a body, or BadPayloadError. */
export function parseJsonObject(body: Buffer | string, url: string): Doc {
  let doc: unknown;
  try {
    doc = JSON.parse(typeof body === "string" ? body : body.toString("utf8"));
  } catch (err) {
    throw bad("body is not JSON", url, err);
  }
  if (!isDoc(doc)) throw bad("body is not a JSON object", url);
  return doc;
}

function isDoc(v: unknown): v is Doc {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function count(doc: Doc, field: string, where: string, url: string): number {
  const v = doc[field];
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
    throw bad(`${where}${field} is ${v === undefined ? "missing" : "not a finite number >= 0"}`, url);
  }
  return v;
}

/** A count that real brokers may report below 0 (`unackedMessages`): present and finite, read as >= 0. */
function clampedCount(doc: Doc, field: string, where: string, url: string): number {
  const v = doc[field];
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw bad(`${where}${field} is ${v === undefined ? "missing" : "not a finite number"}`, url);
  }
  return Math.max(0, v);
}

function optionalCount(doc: Doc, field: string, where: string, url: string): number | undefined {
  return doc[field] === undefined ? undefined : count(doc, field, where, url);
}

/** `isDurable` (Pulsar 2.x-4.x) or `durable` (Jackson bean name): true, false or unknown. */
function durability(doc: Doc): boolean | undefined {
  const v = doc["isDurable"] ?? doc["durable"];
  return typeof v === "boolean" ? v : undefined;
}

/** `backlogSize`: -1 (not computed: `subscriptionBacklogSize=false`) or absent = undefined. */
function backlogSize(doc: Doc, where: string, url: string): number | undefined {
  return doc["backlogSize"] === -1 ? undefined : optionalCount(doc, "backlogSize", where, url);
}

function parseSubscription(name: string, doc: Doc, url: string, earliest: boolean): SubscriptionSnapshot {
  const where = `subscriptions[${JSON.stringify(name.slice(0, 100))}].`;
  const msgBacklog = count(doc, "msgBacklog", where, url);
  const msgDelayed = optionalCount(doc, "msgDelayed", where, url);
  let msgBacklogNoDelayed = optionalCount(doc, "msgBacklogNoDelayed", where, url);
  if (msgBacklogNoDelayed === undefined) {
    // Older brokers: derive from msgDelayed when present; otherwise we cannot know it.
    if (msgDelayed === undefined) throw bad(`${where}msgBacklogNoDelayed and msgDelayed are missing`, url);
    msgBacklogNoDelayed = Math.max(0, msgBacklog - msgDelayed);
  }
  const consumers = doc["consumers"];
  if (!Array.isArray(consumers)) throw bad(`${where}consumers is not a list`, url);
  const type = doc["type"];
  return Object.freeze({
    msgBacklog,
    msgBacklogNoDelayed,
    unackedMessages: clampedCount(doc, "unackedMessages", where, url),
    type: typeof type === "string" && TYPES.has(type) ? (type as SubscriptionType) : undefined,
    msgRateOut: count(doc, "msgRateOut", where, url),
    consumers: consumers.length,
    ...optional("backlogSize", backlogSize(doc, where, url)),
    // Absent from a broker before 2.10.0 (apache/pulsar#12523): left out, never a 0.
    ...(earliest
      ? optional(
          "earliestMsgPublishTimeInBacklog",
          optionalCount(doc, "earliestMsgPublishTimeInBacklog", where, url),
        )
      : {}),
  });
}

function optional<K extends string>(k: K, v: number | undefined): Partial<Record<K, number>> {
  return v === undefined ? {} : ({ [k]: v } as Record<K, number>);
}

function parsePartitionCount(doc: Doc, url: string): number | undefined {
  const meta = doc["metadata"];
  if (meta === undefined) return undefined;
  if (!isDoc(meta)) throw bad("metadata is not an object", url);
  const n = optionalCount(meta, "partitions", "metadata.", url);
  if (n !== undefined && !Number.isInteger(n)) throw bad("metadata.partitions is not an integer", url);
  return n;
}

/**
 * `partitioned-stats?perPartition=true` lists each partition whose stats it summed; the broker
 * silently leaves out a partition whose stats call failed (on another broker), so a total over
 * fewer partitions than `metadata.partitions` is a smaller backlog than the real one: an error.
 */
function checkAllPartitions(doc: Doc, partitions: number | undefined, url: string): void {
  const listed = doc["partitions"];
  if (!isDoc(listed)) throw bad("partitions is not an object (perPartition=true)", url);
  const summed = Object.keys(listed).length;
  if (partitions === undefined) throw bad("metadata.partitions is missing (partitioned-stats)", url);
  if (summed < partitions) {
    throw new IncompleteStatsError(
      `partitioned-stats summed ${summed} of ${partitions} partitions (the others' stats failed on the broker): the backlog would be too small`,
      url,
    );
  }
}

/**
 * TopicStats of `/stats` or `/partitioned-stats` as a TopicSnapshot. Durable subscriptions only:
 * one with `isDurable`/`durable` false is dropped, and so is one named `reader-<10 hex>` whose
 * durability is not stated. `partitions` comes from `metadata.partitions`, else `knownPartitions`,
 * else 0. `allPartitions` (a `partitioned-stats?perPartition=true` answer): the per-partition map
 * must list every partition of `metadata.partitions`, else IncompleteStatsError. `earliest`: the
 * request asked `getEarliestTimeInBacklog=true`, so `earliestMsgPublishTimeInBacklog` is read.
 */
export function parseTopicStats(
  body: Buffer | string,
  topic: TopicName,
  url: string,
  knownPartitions?: number,
  allPartitions = false,
  earliest = false,
): TopicSnapshot {
  const doc = parseJsonObject(body, url);
  const partitions = parsePartitionCount(doc, url);
  if (allPartitions) checkAllPartitions(doc, partitions, url);
  const msgRateIn = count(doc, "msgRateIn", "", url);
  const msgInCounter = count(doc, "msgInCounter", "", url);
  const subsDoc = doc["subscriptions"] ?? {};
  if (!isDoc(subsDoc)) throw bad("subscriptions is not an object", url);
  const subscriptions = new Map<string, SubscriptionSnapshot>();
  for (const [name, sub] of Object.entries(subsDoc)) {
    if (!isDoc(sub)) throw bad(`subscriptions[${JSON.stringify(name.slice(0, 100))}] is not an object`, url);
    const durable = durability(sub);
    if (durable === false || (durable === undefined && READER_NAME.test(name))) continue;
    subscriptions.set(name, parseSubscription(name, sub, url, earliest));
  }
  return Object.freeze({
    topic,
    partitions: partitions ?? knownPartitions ?? 0,
    msgRateIn,
    msgInCounter,
    subscriptions,
  });
}

/** `/partitions` -> `{"partitions": N}`: N (0 for a non-partitioned topic). */
export function parsePartitionMetadata(body: Buffer | string, url: string): number {
  const doc = parseJsonObject(body, url);
  const n = count(doc, "partitions", "", url);
  if (!Number.isInteger(n)) throw bad("partitions is not an integer", url);
  return n;
}

/** `/subscriptions` -> a JSON list of names. */
export function parseSubscriptionList(body: Buffer | string, url: string): string[] {
  let doc: unknown;
  try {
    doc = JSON.parse(typeof body === "string" ? body : body.toString("utf8"));
  } catch (err) {
    throw bad("body is not JSON", url, err);
  }
  if (!Array.isArray(doc)) throw bad("expected a list of subscription names", url);
  const names: string[] = [];
  for (const s of doc as unknown[]) {
    if (typeof s !== "string") throw bad("expected a list of subscription names", url);
    names.push(s);
  }
  return names;
}
