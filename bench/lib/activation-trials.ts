import type { ScaledObjectRef } from "../../src/keda/messages.js";
import type { SimControl } from "../../src/sim/control.js";
import type { KedaEmulator } from "../../src/keda/keda-emulator.js";
import { delay, until } from "./load.js";
import { fullTopic, Producer } from "../../test/support/pulsar.js";
import { nowMs } from "./stats.js";

export interface PushTrialsOptions {
  readonly keda: KedaEmulator;
  readonly ref: ScaledObjectRef;
  readonly control: SimControl;
  readonly wsUrl: string;
  readonly topic: string;
  readonly subscription: string;
  readonly trials: number;
  /** Longest wait for the key to go inactive, for the re-arm, and for a push. */
  readonly timeoutMs?: number;
  /**
   * True once the watcher's tripwire is armed again (after the drain it re-arms, then says
   * `connected`): a publish before that is seen by polling, not timed as a push.
   */
  readonly armed?: () => Promise<boolean>;
}

export interface TrialsResult {
  readonly latenciesMs: number[];
  /** Trials whose push never came (counted, not in the latencies). */
  readonly missed: number;
  /** `true` pushes beyond one per trial (each would delay scale-to-zero). */
  readonly extraPushes: number;
}

/**
 * Activation trials on one StreamIsActive stream: drain the subscription (SimControl.ack) and wait
 * until IsActive answers false (and `armed`, when given); then publish one message over the WebSocket producer and time
 * until `true` arrives on the stream.
 */
export async function pushTrials(o: PushTrialsOptions): Promise<TrialsResult> {
  const timeoutMs = o.timeoutMs ?? 10_000;
  const producer = await Producer.open(o.wsUrl, o.topic);
  let pending: ((at: number) => void) | undefined;
  let pushes = 0;
  const watch = o.keda.watch(o.ref, {
    onPush: (r) => {
      if (!r.result) return;
      pushes++;
      const at = nowMs();
      pending?.(at);
      pending = undefined;
    },
  });
  const latencies: number[] = [];
  let missed = 0;
  try {
    for (let i = 0; i < o.trials; i++) {
      await o.control.ack(fullTopic(o.topic), o.subscription, 1_000_000);
      const inactive = await until(
        async () => (await o.keda.isActive(o.ref).catch(() => true)) === false,
        timeoutMs,
        5,
      );
      if (!inactive) throw new Error(`trial ${i}: the key did not go inactive within ${timeoutMs} ms`);
      // A push racing the drain would be counted against the next trial: let it land first.
      await delay(5);
      if (o.armed && !(await until(o.armed, timeoutMs, 2)))
        throw new Error(`trial ${i}: the tripwire was not re-armed within ${timeoutMs} ms`);
      const before = pushes;
      const got = new Promise<number | undefined>((resolve) => {
        const timer = setTimeout(() => resolve(undefined), timeoutMs);
        pending = (at) => {
          clearTimeout(timer);
          resolve(at);
        };
      });
      const t0 = nowMs();
      void producer.send().catch(() => {});
      const at = await got;
      if (at === undefined) missed++;
      else latencies.push(at - t0);
      if (pushes - before > 1) throw new Error(`trial ${i}: ${pushes - before} pushes for one message`);
    }
  } finally {
    watch.stop();
    producer.close();
  }
  return { latenciesMs: latencies, missed, extraPushes: Math.max(0, pushes - latencies.length) };
}
