import { javaIsoTime } from "../java-time.js";
import { currentOldestBacklog, type BacklogQuotaCheck } from "./backlog-quota-check.js";
import type { SubConsumer } from "./consumer.js";
import type { Subscription } from "./subscription.js";
import type { ProducerInfo, Topic } from "./topic.js";

/** Query options of `/stats` and `/partitioned-stats` that change the document. */
export interface StatsOptions {
  /** `subscriptionBacklogSize` (default true; false reports -1). */
  readonly subscriptionBacklogSize: boolean;
  /** `getEarliestTimeInBacklog` (default false; false reports 0). */
  readonly getEarliestTimeInBacklog: boolean;
  /** `ownerBroker`, e.g. "127.0.0.1:8080". */
  readonly brokerName: string;
  readonly now: number;
  /** Where oldestBacklogMessage* come from; absent, the current state. */
  readonly backlogQuotaCheck?: BacklogQuotaCheck;
}

type Doc = Record<string, unknown>;

const iso = javaIsoTime;

function consumerStats(sub: Subscription, c: SubConsumer): Doc {
  return {
    msgRateOut: c.outRate.rate(),
    msgThroughputOut: c.outRate.throughput(),
    bytesOutCounter: c.bytesOutCounter,
    msgOutCounter: c.msgOutCounter,
    msgRateRedeliver: c.redeliverRate.rate(),
    messageAckRate: c.ackRate.rate(),
    chunkedMessageRate: 0.0,
    consumerName: c.name,
    availablePermits: Math.max(0, c.init.flow.available()),
    unackedMessages: sub.consumerUnacked(c),
    avgMessagesPerEntry: 1,
    blockedConsumerOnUnackedMsgs: false,
    drainingHashesCount: 0,
    drainingHashesClearedTotal: 0,
    drainingHashesUnackedMessages: 0,
    address: c.init.address,
    connectedSince: iso(c.connectedSince),
    clientVersion: c.init.clientVersion,
    lastAckedTimestamp: c.lastAckedTimestamp,
    lastConsumedTimestamp: c.lastConsumedTimestamp,
    firstMessagesSentTimestamp: c.firstMessagesSentTimestamp,
    lastConsumedFlowTimestamp: c.lastConsumedFlowTimestamp,
    firstConsumedFlowTimestamp: c.lastConsumedFlowTimestamp,
    metadata: {},
    lastAckedTime: iso(c.lastAckedTimestamp),
    lastConsumedTime: iso(c.lastConsumedTimestamp),
  };
}

function subscriptionStats(topic: Topic, sub: Subscription, o: StatsOptions): Doc {
  const backlog = sub.msgBacklog;
  const delayed = sub.msgDelayed;
  const first = o.getEarliestTimeInBacklog && backlog > 0 ? sub.firstBacklogEntry() : undefined;
  const active = sub.type === "Exclusive" || sub.type === "Failover" ? sub.activeConsumer() : undefined;
  const doc: Doc = {
    msgRateOut: sub.outRate.rate(),
    msgThroughputOut: sub.outRate.throughput(),
    bytesOutCounter: sub.bytesOutCounter,
    msgOutCounter: sub.msgOutCounter,
    msgRateRedeliver: sub.redeliverRate.rate(),
    messageAckRate: sub.ackRate.rate(),
    chunkedMessageRate: 0.0,
    msgBacklog: backlog,
    backlogSize: o.subscriptionBacklogSize ? sub.backlogBytes : -1,
    earliestMsgPublishTimeInBacklog: first?.publishTime ?? 0,
    msgBacklogNoDelayed: backlog - delayed,
    blockedSubscriptionOnUnackedMsgs: false,
    msgDelayed: delayed,
    msgInReplay: sub.msgInReplay,
    unackedMessages: sub.unackedMessages,
    type: sub.type,
    ...(active ? { activeConsumerName: active.name } : {}),
    msgRateExpired: 0.0,
    msgExpired: 0,
    totalMsgExpired: 0,
    lastExpireTimestamp: 0,
    lastConsumedFlowTimestamp: sub.lastConsumedFlowTimestamp,
    lastConsumedTimestamp: sub.lastConsumedTimestamp,
    lastAckedTimestamp: sub.lastAckedTimestamp,
    lastMarkDeleteAdvancedTimestamp: sub.lastMarkDeleteAdvancedTimestamp,
    consumers: [...sub.consumers.values()].map((c) => consumerStats(sub, c)),
    isDurable: sub.durable,
    isReplicated: false,
    allowOutOfOrderDelivery: false,
    consumersAfterMarkDeletePosition: {},
    drainingHashesCount: 0,
    drainingHashesClearedTotal: 0,
    drainingHashesUnackedMessages: 0,
    nonContiguousDeletedMessagesRanges: 0,
    nonContiguousDeletedMessagesRangesSerializedSize: 0,
    delayedMessageIndexSizeInBytes: 0,
    subscriptionProperties: {},
    filterProcessedMsgCount: 0,
    filterAcceptedMsgCount: 0,
    filterRejectedMsgCount: 0,
    filterRescheduledMsgCount: 0,
    dispatchThrottledMsgEventsBySubscriptionLimit: 0,
    dispatchThrottledBytesEventsBySubscriptionLimit: 0,
    dispatchThrottledMsgEventsByTopicLimit: 0,
    dispatchThrottledBytesEventsByTopicLimit: 0,
    dispatchThrottledMsgEventsByBrokerLimit: 0,
    dispatchThrottledBytesEventsByBrokerLimit: 0,
    durable: sub.durable,
    replicated: false,
  };
  if (!topic.persistent) doc["msgDropRate"] = sub.dropRate.rate();
  return doc;
}

function publisherStats(topic: Topic, p: ProducerInfo): Doc {
  const rate = p.rateIn.rate();
  const doc: Doc = {
    accessMode: "Shared",
    msgRateIn: rate,
    msgThroughputIn: p.rateIn.throughput(),
    averageMsgSize: rate > 0 ? p.rateIn.throughput() / rate : 0.0,
    chunkedMessageRate: 0.0,
    producerId: p.id,
    supportsPartialProducer: false,
    producerName: p.name,
    address: p.address,
    connectedSince: iso(p.connectedSince),
    clientVersion: p.clientVersion,
    metadata: {},
  };
  // A non-persistent publisher's drops are the broker refusing its messages: the simulator never does.
  if (!topic.persistent) doc["msgDropRate"] = 0.0;
  return doc;
}

/**
 * Subscription with the oldest unacknowledged entry, for oldestBacklogMessage* fields, as of the last
 * backlog-quota check (current without one); age 0 with no backlog, as brokers report it since
 * 3.0.6 / 3.3.1 (older ones said -1).
 */
function oldestBacklog(topic: Topic, o: StatsOptions): { age: number; name?: string } {
  const best = o.backlogQuotaCheck ? o.backlogQuotaCheck.oldest(topic) : currentOldestBacklog(topic);
  if (!best) return { age: 0 };
  return { age: Math.floor((o.now - best.publishTime) / 1000), name: best.name };
}

/** TopicStats of one topic or partition: field names and order of a Pulsar 4.1 broker. */
export function topicStats(topic: Topic, o: StatsOptions): Doc {
  const subs: Doc = {};
  let rateOut = 0;
  let throughputOut = 0;
  let msgOut = topic.removedOut.msgs;
  let bytesOut = topic.removedOut.bytes;
  let earliest = 0;
  let dropRate = 0.0;
  for (const s of topic.subscriptions.values()) {
    const doc = subscriptionStats(topic, s, o);
    dropRate += (doc["msgDropRate"] as number | undefined) ?? 0;
    subs[s.name] = doc;
    rateOut += s.outRate.rate();
    throughputOut += s.outRate.throughput();
    msgOut += s.msgOutCounter;
    bytesOut += s.bytesOutCounter;
    const e = doc["earliestMsgPublishTimeInBacklog"] as number;
    if (e > 0 && (earliest === 0 || e < earliest)) earliest = e;
  }
  const rateIn = topic.rateIn.rate();
  const throughputIn = topic.rateIn.throughput();
  const oldest = oldestBacklog(topic, o);
  const doc: Doc = {
    msgRateIn: rateIn,
    msgThroughputIn: throughputIn,
    msgRateOut: rateOut,
    msgThroughputOut: throughputOut,
    bytesInCounter: topic.bytesInCounter,
    msgInCounter: topic.msgInCounter,
    systemTopicBytesInCounter: 0,
    bytesOutCounter: bytesOut,
    msgOutCounter: msgOut,
    bytesOutInternalCounter: 0,
    averageMsgSize: rateIn > 0 ? throughputIn / rateIn : 0.0,
    msgChunkPublished: false,
    storageSize: topic.storageSize,
    backlogSize: topic.backlogSize(),
    backlogQuotaLimitSize: -1,
    backlogQuotaLimitTime: -1,
    oldestBacklogMessageAgeSeconds: oldest.age,
    ...(oldest.name !== undefined ? { oldestBacklogMessageSubscriptionName: oldest.name } : {}),
    publishRateLimitedTimes: 0,
    earliestMsgPublishTimeInBacklogs: earliest,
    offloadedStorageSize: 0,
    lastOffloadLedgerId: 0,
    lastOffloadSuccessTimeStamp: 0,
    lastOffloadFailureTimeStamp: 0,
    ongoingTxnCount: 0,
    abortedTxnCount: 0,
    committedTxnCount: 0,
    publishers: [...topic.producers.values()].map((p) => publisherStats(topic, p)),
    waitingPublishers: 0,
    subscriptions: subs,
    replication: {},
    deduplicationStatus: "Disabled",
    nonContiguousDeletedMessagesRanges: 0,
    nonContiguousDeletedMessagesRangesSerializedSize: 0,
    delayedMessageIndexSizeInBytes: 0,
    compaction: {
      lastCompactionRemovedEventCount: 0,
      lastCompactionSucceedTimestamp: 0,
      lastCompactionFailedTimestamp: 0,
      lastCompactionDurationTimeInMills: 0,
    },
    ownerBroker: o.brokerName,
    topicCreationTimeStamp: topic.createdAt,
    lastPublishTimeStamp: topic.lastPublishTimeStamp,
  };
  // NonPersistentTopicStats: the subscriptions' drops added up (publishers drop nothing here).
  if (!topic.persistent) doc["msgDropRate"] = dropRate;
  return doc;
}
