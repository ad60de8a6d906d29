import type { Observation } from "../../src/state/observation.js";

/** An observation with the numbers a state test cares about. */
export function obs(observedAt: number, msgBacklog: number, msgBacklogNoDelayed = msgBacklog): Observation {
  return {
    msgBacklog,
    msgBacklogNoDelayed,
    unackedMessages: 0,
    msgRateIn: 0,
    msgRateOut: 0,
    consumers: 1,
    partitions: 0,
    observedAt,
  };
}
