import type { ArrivalSource } from "../../src/pulsar/ports.js";
import { parseTopicName } from "../../src/pulsar/topic-name.js";
import { fullTopic, Producer } from "../../test/support/pulsar.js";
import { nowMs } from "./stats.js";

export interface ArrivalTrialsResult {
  readonly latenciesMs: number[];
  /** Trials whose arrival never came within the timeout. */
  readonly missed: number;
  /** Arrivals beyond one per trial: a tripwire that fired twice for one publish. */
  readonly extraArrivals: number;
}

/** Resolves on the next call of the returned `hit`, or with undefined after `timeoutMs`. */
function oneShot<T>(timeoutMs: number): { promise: Promise<T | undefined>; hit: (v: T) => void } {
  let hit: (v: T) => void = () => undefined;
  const promise = new Promise<T | undefined>((resolve) => {
    const timer = setTimeout(() => resolve(undefined), timeoutMs);
    hit = (v) => {
      clearTimeout(timer);
      resolve(v);
    };
  });
  return { promise, hit };
}

/**
 * Tripwire activation trials on one ArrivalSource, in this process: wait until armed (`connected`),
 * publish one message over a WebSocket producer, time until the arrival; then `rearm()` and wait
 * for `connected` again before the next trial (a message published while disarmed would not fire).
 */
export async function arrivalTrials(
  source: ArrivalSource,
  wsUrl: string,
  topic: string,
  trials: number,
  timeoutMs = 2000,
): Promise<ArrivalTrialsResult> {
  const producer = await Producer.open(wsUrl, topic);
  let onArrival: ((at: number) => void) | undefined;
  let onArmed: (() => void) | undefined;
  let arrivals = 0;
  const sub = source.subscribe(
    parseTopicName(fullTopic(topic)),
    0,
    () => {
      arrivals++;
      onArrival?.(nowMs());
    },
    (s) => {
      if (s.kind === "connected") onArmed?.();
    },
  );
  const latencies: number[] = [];
  let missed = 0;
  try {
    let armed = oneShot<true>(10_000);
    onArmed = () => armed.hit(true);
    for (let i = 0; i < trials; i++) {
      if ((await armed.promise) === undefined) throw new Error(`trial ${i}: not armed within 10 s`);
      const fired = oneShot<number>(timeoutMs);
      onArrival = fired.hit;
      const t0 = nowMs();
      void producer.send().catch(() => undefined);
      const at = await fired.promise;
      onArrival = undefined;
      armed = oneShot<true>(10_000);
      onArmed = () => armed.hit(true);
      if (at === undefined) {
        // Never fired, so still armed: rearm() would change nothing and say nothing.
        missed++;
        armed.hit(true);
      } else {
        latencies.push(at - t0);
        sub.rearm();
      }
    }
  } finally {
    await sub.close();
    producer.close();
  }
  return { latenciesMs: latencies, missed, extraArrivals: Math.max(0, arrivals - latencies.length) };
}
