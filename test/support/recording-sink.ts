import type { ArrivalStatus } from "../../src/pulsar/ports.js";
import type { ArrivalEvent } from "../../src/pulsar/snapshot.js";
import type { ErrorLike } from "../../src/state/key-state.js";
import type { WatchKey } from "../../src/state/key.js";
import type { Observation } from "../../src/state/observation.js";
import type { WatchSink } from "../../src/watch/sink.js";

/** A WatchSink that records what it is told, in order. */
export class RecordingSink implements WatchSink {
  readonly observations: Observation[] = [];
  readonly arrivals: ArrivalEvent[] = [];
  readonly errors: ErrorLike[] = [];
  readonly statuses: ArrivalStatus["kind"][] = [];
  readonly log: string[] = [];

  observation(_key: WatchKey, obs: Observation): void {
    this.observations.push(obs);
    this.log.push(`obs ${obs.msgBacklog}`);
  }

  arrival(_key: WatchKey, e: ArrivalEvent): void {
    this.arrivals.push(e);
    this.log.push("arrival");
  }

  error(_key: WatchKey, err: ErrorLike): void {
    this.errors.push(err);
    this.log.push(`error ${err.name}`);
  }

  arrivalsStatus(_key: WatchKey, status: ArrivalStatus): void {
    this.statuses.push(status.kind);
  }
}
