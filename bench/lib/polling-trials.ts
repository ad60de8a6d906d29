import type { ScaledObjectRef } from "../../src/keda/messages.js";
import type { SimControl } from "../../src/sim/control.js";
import type { KedaEmulator } from "../../src/keda/keda-emulator.js";
import type { TrialsResult } from "./activation-trials.js";
import { delay } from "./load.js";
import { fullTopic, Producer } from "../../test/support/pulsar.js";
import { nowMs } from "./stats.js";

export interface PollingTrialsOptions {
  readonly keda: KedaEmulator;
  readonly control: SimControl;
  readonly wsUrl: string;
  /** One entry per ScaledObject polled in parallel (each with its own polling loop and topic). */
  readonly objects: readonly { ref: ScaledObjectRef; topic: string; subscription: string }[];
  readonly intervalMs: number;
  readonly trialsPerObject: number;
}

/**
 * Activation under polling, measured: each ScaledObject has KEDA's polling loop (IsActive every
 * intervalMs on a fixed ticker, like KEDA calling its built-in scaler). A trial drains the
 * subscription, waits a random time in [0, interval) so the publish falls at a random phase of the
 * ticker, publishes one message and times until a tick answers true.
 */
export async function pollingTrials(o: PollingTrialsOptions): Promise<TrialsResult> {
  const results = await Promise.all(o.objects.map((obj) => oneObject(o, obj)));
  return {
    latenciesMs: results.flatMap((r) => r.latenciesMs),
    missed: results.reduce((a, r) => a + r.missed, 0),
    extraPushes: 0,
  };
}

async function oneObject(
  o: PollingTrialsOptions,
  obj: { ref: ScaledObjectRef; topic: string; subscription: string },
): Promise<TrialsResult> {
  const producer = await Producer.open(o.wsUrl, obj.topic);
  // Only a tick that started after the drain may end a trial (an older one may still see the old backlog).
  let waiting: { since: number; resolve(at: number): void } | undefined;
  const ticker = setInterval(() => {
    const started = nowMs();
    void o.keda
      .isActive(obj.ref)
      .then((active) => {
        const at = nowMs();
        if (active && waiting && started >= waiting.since) {
          waiting.resolve(at);
          waiting = undefined;
        }
      })
      .catch(() => {});
  }, o.intervalMs);
  const latencies: number[] = [];
  let missed = 0;
  try {
    for (let i = 0; i < o.trialsPerObject; i++) {
      await o.control.ack(fullTopic(obj.topic), obj.subscription, 1_000_000);
      const drainedAt = nowMs();
      await delay(Math.random() * o.intervalMs);
      const got = new Promise<number | undefined>((resolve) => {
        const timer = setTimeout(() => resolve(undefined), o.intervalMs * 3);
        waiting = {
          since: drainedAt,
          resolve: (at) => {
            clearTimeout(timer);
            resolve(at);
          },
        };
      });
      const t0 = nowMs();
      await producer.send();
      const at = await got;
      if (at === undefined) missed++;
      else latencies.push(at - t0);
    }
  } finally {
    clearInterval(ticker);
    producer.close();
  }
  return { latenciesMs: latencies, missed, extraPushes: 0 };
}
