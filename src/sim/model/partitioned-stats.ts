import { topicStats, type StatsOptions } from "./stats.js";
import type { Topic } from "./topic.js";

type Doc = Record<string, unknown>;

/** Top-level fields a partitioned-stats document does not carry (they are per partition). */
const PER_PARTITION_ONLY = new Set([
  "deduplicationStatus",
  "ownerBroker",
  "topicCreationTimeStamp",
  "lastPublishTimeStamp",
]);
/** Fields that are not sums: kept from the first partition. */
const KEEP_FIRST = new Set([
  "backlogQuotaLimitSize",
  "backlogQuotaLimitTime",
  "lastOffloadLedgerId",
  "lastOffloadSuccessTimeStamp",
  "lastOffloadFailureTimeStamp",
]);
/** Subscription timestamps reset to 0 in the aggregate, as the broker does. */
const ZEROED = new Set([
  "lastExpireTimestamp",
  "lastConsumedFlowTimestamp",
  "lastConsumedTimestamp",
  "lastAckedTimestamp",
  "lastMarkDeleteAdvancedTimestamp",
]);

function sumInto(target: Doc, source: Doc, zeroed: ReadonlySet<string>): void {
  for (const [k, v] of Object.entries(source)) {
    const cur = target[k];
    if (!(k in target)) target[k] = zeroed.has(k) && typeof v === "number" ? 0 : v;
    else if (typeof v === "number" && typeof cur === "number" && !KEEP_FIRST.has(k) && !zeroed.has(k)) {
      target[k] = cur + v;
    }
  }
}

/** Consumer fields the broker sums when it merges two consumer entries; the rest stay the first's. */
const CONSUMER_SUMMED = new Set([
  "msgRateOut",
  "msgThroughputOut",
  "bytesOutCounter",
  "msgOutCounter",
  "msgRateRedeliver",
  "messageAckRate",
  "chunkedMessageRate",
  "availablePermits",
  "unackedMessages",
]);

function mergeConsumer(target: Doc, source: Doc): Doc {
  const out: Doc = { ...target };
  for (const k of CONSUMER_SUMMED) {
    const a = target[k];
    const b = source[k];
    if (typeof a === "number" && typeof b === "number") out[k] = a + b;
  }
  return out;
}

/**
 * Pulsar merges consumer lists of equal length index by index (one consumer on every partition is
 * one entry) and appends them otherwise.
 */
function mergeConsumers(target: readonly Doc[], source: readonly Doc[]): Doc[] {
  if (target.length !== source.length) return [...target, ...source];
  return target.map((c, i) => mergeConsumer(c, source[i] ?? {}));
}

function mergeSubscription(target: Doc | undefined, source: Doc): Doc {
  const consumers = (source["consumers"] as Doc[] | undefined) ?? [];
  if (!target) {
    const copy: Doc = {};
    sumInto(copy, source, ZEROED);
    copy["consumers"] = [...consumers];
    delete copy["activeConsumerName"];
    return copy;
  }
  sumInto(target, source, ZEROED);
  target["consumers"] = mergeConsumers((target["consumers"] as Doc[] | undefined) ?? [], consumers);
  const e = source["earliestMsgPublishTimeInBacklog"] as number;
  const t = target["earliestMsgPublishTimeInBacklog"] as number;
  target["earliestMsgPublishTimeInBacklog"] = t === 0 ? e : e === 0 ? t : Math.min(t, e);
  return target;
}

function mergePublishers(all: Doc[][]): Doc[] {
  const out: Doc[] = [];
  for (const list of all) {
    list.forEach((p, i) => {
      const cur = out[i] ?? {
        msgRateIn: 0.0,
        msgThroughputIn: 0.0,
        averageMsgSize: 0.0,
        chunkedMessageRate: 0.0,
        producerId: i,
        supportsPartialProducer: false,
      };
      cur["msgRateIn"] = (cur["msgRateIn"] as number) + (p["msgRateIn"] as number);
      cur["msgThroughputIn"] = (cur["msgThroughputIn"] as number) + (p["msgThroughputIn"] as number);
      if (typeof p["msgDropRate"] === "number")
        cur["msgDropRate"] = ((cur["msgDropRate"] as number | undefined) ?? 0) + p["msgDropRate"];
      const rate = cur["msgRateIn"] as number;
      cur["averageMsgSize"] = rate > 0 ? (cur["msgThroughputIn"] as number) / rate : 0.0;
      out[i] = cur;
    });
  }
  return out;
}

/**
 * PartitionedTopicStats: the partitions' TopicStats summed (subscriptions merged by name, consumers
 * index by index, `averageMsgSize` the mean of the partitions' averages), then `metadata: {partitions}` and `partitions` (empty unless perPartition).
 */
export function partitionedStats(partitions: readonly Topic[], o: StatsOptions, perPartition: boolean): Doc {
  const docs = partitions.map((t) => [t.fullName, topicStats(t, o)] as const);
  const out: Doc = {};
  const subs: Record<string, Doc> = {};
  // The broker's aggregate starts at 0 and keeps the oldest partition's age and subscription.
  let oldest: { age: number; name: unknown } = { age: 0, name: undefined };
  let earliest = 0;
  for (const [, d] of docs) {
    for (const [k, v] of Object.entries(d)) {
      if (PER_PARTITION_ONLY.has(k) || k === "publishers" || k === "subscriptions") {
        if (!(k in out) && !PER_PARTITION_ONLY.has(k)) out[k] = k === "publishers" ? [] : {};
        continue;
      }
      if (k === "oldestBacklogMessageAgeSeconds" || k === "oldestBacklogMessageSubscriptionName") continue;
      if (k === "earliestMsgPublishTimeInBacklogs") {
        const e = v as number;
        if (e > 0 && (earliest === 0 || e < earliest)) earliest = e;
        continue;
      }
      const cur = out[k];
      if (!(k in out)) out[k] = v;
      else if (typeof v === "number" && typeof cur === "number" && !KEEP_FIRST.has(k)) out[k] = cur + v;
    }
    const age = d["oldestBacklogMessageAgeSeconds"] as number;
    const name = d["oldestBacklogMessageSubscriptionName"];
    // A backlog younger than a second is age 0 too: it still names its subscription.
    if (age > oldest.age || (oldest.name === undefined && name !== undefined)) oldest = { age, name };
    for (const [name, s] of Object.entries(d["subscriptions"] as Record<string, Doc>)) {
      subs[name] = mergeSubscription(subs[name], s);
    }
  }
  const sizes = docs.map(([, d]) => (d["averageMsgSize"] as number | undefined) ?? 0);
  const averageMsgSize = sizes.length > 0 ? sizes.reduce((a, b) => a + b, 0) / sizes.length : 0.0;
  const ordered: Doc = {};
  for (const [k, v] of Object.entries(out)) {
    if (k === "averageMsgSize") ordered[k] = averageMsgSize;
    else if (k === "publishers") ordered[k] = mergePublishers(docs.map(([, d]) => d["publishers"] as Doc[]));
    else if (k === "subscriptions") ordered[k] = subs;
    else if (k === "earliestMsgPublishTimeInBacklogs") ordered[k] = earliest;
    else ordered[k] = v;
    if (k === "backlogQuotaLimitTime") {
      ordered["oldestBacklogMessageAgeSeconds"] = oldest.age;
      if (oldest.name !== undefined) ordered["oldestBacklogMessageSubscriptionName"] = oldest.name;
    }
    if (k === "publishRateLimitedTimes") ordered["earliestMsgPublishTimeInBacklogs"] = earliest;
  }
  ordered["metadata"] = { partitions: partitions.length };
  ordered["partitions"] = perPartition ? Object.fromEntries(docs) : {};
  return ordered;
}
