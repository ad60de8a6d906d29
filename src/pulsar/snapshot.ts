import type { TopicName } from "./topic-name.js";

export type SubscriptionType = "Exclusive" | "Shared" | "Failover" | "Key_Shared";

/** One durable subscription as read from topic stats (reader- non-durable ones are dropped). */
export interface SubscriptionSnapshot {
  readonly msgBacklog: number;
  readonly msgBacklogNoDelayed: number;
  readonly unackedMessages: number;
  readonly type: SubscriptionType | undefined;
  readonly msgRateOut: number;
  readonly consumers: number;
  /** `backlogSize` in bytes; undefined when the broker did not compute it (-1 or absent). */
  readonly backlogSize?: number;
  /**
   * `earliestMsgPublishTimeInBacklog` (epoch ms, broker clock) when asked for with
   * `getEarliestTimeInBacklog=true`: 0 = no backlog; undefined = not asked for.
   */
  readonly earliestMsgPublishTimeInBacklog?: number;
}

/** Typed result of `/stats` or `/partitioned-stats` (totals over every partition). */
export interface TopicSnapshot {
  readonly topic: TopicName;
  /** 0 for a non-partitioned topic. */
  readonly partitions: number;
  readonly msgRateIn: number;
  readonly msgInCounter: number;
  readonly subscriptions: ReadonlyMap<string, SubscriptionSnapshot>;
}

/** A message seen by the WebSocket reader. */
export interface ArrivalEvent {
  readonly topic: TopicName;
  /** Partition index, or -1 for a non-partitioned topic. */
  readonly partition: number;
  /** Broker publish time (epoch ms). */
  readonly publishTime: number;
  /** Local receive time (epoch ms, from the injected clock). */
  readonly receivedAt: number;
}
