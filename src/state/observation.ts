/** One stats reading of a key. Numbers were observed, never defaulted. */
export interface Observation {
  readonly msgBacklog: number;
  readonly msgBacklogNoDelayed: number;
  readonly unackedMessages: number;
  readonly msgRateIn: number;
  readonly msgRateOut: number;
  readonly consumers: number;
  /** 0 for non-partitioned topics. */
  readonly partitions: number;
  /** The subscription's `backlogSize` (bytes); absent when the broker did not report it. */
  readonly msgBacklogBytes?: number;
  /**
   * Age of the oldest unacknowledged message at `observedAt` (seconds): `observedAt` minus
   * `earliestMsgPublishTimeInBacklog`, 0 with no backlog; absent when the read did not carry it.
   */
  readonly backlogAgeSeconds?: number;
  /**
   * When the stats request was sent (epoch ms, the hub's clock). An arrival received after this
   * instant may not be counted in the numbers, so it keeps the key active.
   */
  readonly observedAt: number;
}
