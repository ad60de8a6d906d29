import type { Clock } from "../../lib/clock.js";
import type { StateReader } from "../../keda/state-reader.js";
import type { ScaledObjectId, TriggerSpec } from "../../keda/trigger.js";
import { keyId, type WatchKey } from "../../state/key.js";

/** Why a push went out: a message arrived, the backlog crossed the threshold, or a stream opened active. */
export type ActivationCause = "arrival" | "backlog" | "stream-open";

/** One activation pushed to a KEDA stream. */
export interface ActivationRecord {
  /** When the push was handed to the stream (epoch ms, the hub's clock). */
  readonly at: number;
  readonly key: string;
  readonly scaledObject: ScaledObjectId;
  readonly cause: ActivationCause;
  /** From the message's arrival to the push; set when the cause is an arrival. */
  readonly latencyMs: number | undefined;
}

/** What the log asks of the engine (WatchEngine.keyReport): the key's newest arrival and observation. */
export interface ArrivalSource {
  keyReport(
    key: WatchKey,
  ): { lastArrivalAt: number | undefined; observation: { observedAt: number } | undefined } | undefined;
}

/** The status page's "recent activations": a ring of the newest `capacity` pushes, newest first. */
export class ActivationLog {
  private readonly ring: ActivationRecord[] = [];

  constructor(private readonly capacity = 50) {}

  add(record: ActivationRecord): void {
    this.ring.unshift(record);
    if (this.ring.length > this.capacity) this.ring.length = this.capacity;
  }

  recent(): readonly ActivationRecord[] {
    return [...this.ring];
  }
}

/**
 * The reader KEDA's service uses, with each activation callback recorded in `log` before the push
 * it triggers: a decorator, so the KEDA service and the engine stay as they are. An arrival is the
 * cause when it is newer than the key's newest observation (the engine's rule for an arrival
 * keeping a key active, docs/watch-engine.md).
 */
export function recordingReader(
  inner: StateReader,
  arrivals: ArrivalSource,
  log: ActivationLog,
  clock: Clock,
): StateReader {
  return {
    metricValue: (so, trigger) => inner.metricValue(so, trigger),
    isActive: (so, trigger) => inner.isActive(so, trigger),
    ready: () => inner.ready(),
    watchActivation(so: ScaledObjectId, trigger: TriggerSpec, onActive: () => void) {
      let opening = true;
      const unsubscribe = inner.watchActivation(so, trigger, () => {
        const at = clock.now();
        const report = arrivals.keyReport(trigger.key);
        const arrivedAt = report?.lastArrivalAt;
        const observedAt = report?.observation?.observedAt ?? -Infinity;
        const byArrival = arrivedAt !== undefined && arrivedAt > observedAt;
        const cause: ActivationCause = opening ? "stream-open" : byArrival ? "arrival" : "backlog";
        log.add({
          at,
          key: keyId(trigger.key),
          scaledObject: { namespace: so.namespace, name: so.name },
          cause,
          latencyMs: byArrival && cause === "arrival" ? Math.max(0, at - arrivedAt) : undefined,
        });
        onActive();
      });
      opening = false;
      return unsubscribe;
    },
  };
}
