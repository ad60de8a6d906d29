import type { Clock } from "../../lib/clock.js";
import { RateWindow } from "./rates.js";
import type { ConsumerInit } from "./types.js";

/** A consumer attached to one subscription of one topic (partition), with its counters. */
export class SubConsumer {
  /** Entry ids handed to this consumer and not acknowledged yet. */
  readonly unacked = new Set<number>();
  readonly connectedSince: number;
  readonly outRate: RateWindow;
  readonly ackRate: RateWindow;
  readonly redeliverRate: RateWindow;
  msgOutCounter = 0;
  bytesOutCounter = 0;
  lastAckedTimestamp = 0;
  lastConsumedTimestamp = 0;
  firstMessagesSentTimestamp = 0;
  readonly lastConsumedFlowTimestamp: number;

  constructor(
    readonly id: number,
    readonly init: ConsumerInit,
    clock: Clock,
    windowMs: number,
  ) {
    this.connectedSince = clock.now();
    this.lastConsumedFlowTimestamp = this.connectedSince;
    this.outRate = new RateWindow(clock, windowMs);
    this.ackRate = new RateWindow(clock, windowMs);
    this.redeliverRate = new RateWindow(clock, windowMs);
  }

  get name(): string {
    return this.init.name;
  }

  /** An entry of `count` messages (a batch) went out. */
  recordSent(bytes: number, now: number, count = 1): void {
    this.msgOutCounter += count;
    this.bytesOutCounter += bytes;
    this.lastConsumedTimestamp = now;
    if (this.firstMessagesSentTimestamp === 0) this.firstMessagesSentTimestamp = now;
    this.outRate.record(count, bytes);
  }
}
